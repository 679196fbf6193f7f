// Apart from api.ts: controllers and the event recorder name objects too, and api.ts imports them.

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters from the alphabet generated names use (no vowels, no confusable digits). */
export function randomSuffix(length = 5): string {
  let suffix = '';
  for (let index = 0; index < length; index++)
    suffix += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return suffix;
}
