/**
 * What a release id may be: it names `<target>/releases/<id>`. It starts with a letter or digit, so it
 * can never take the shape of the deploy's own scratch names, which all start with a dot
 * (`releases/.<id>.partial` is a release being built, removed by the next run as debris).
 */
export const RELEASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `RELEASE_ID_PATTERN` in words, for every message that refuses a release id. */
export const RELEASE_ID_RULE = '1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit';
