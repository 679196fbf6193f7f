/** A schema without its `description` texts (a property named description, e.g. PriorityClass's, stays). */
export function stripDescriptions(value) {
  if (Array.isArray(value)) return value.map(stripDescriptions);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [key, child] of Object.entries(value))
      if (key !== 'description' || typeof child !== 'string') out[key] = stripDescriptions(child);
    return out;
  }
  return value;
}
