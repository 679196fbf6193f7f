/** The placeholders a site config template may use, filled per host. */
export interface NginxTemplateValues {
  /** `<target>/current`: the docroot that always serves the live release. */
  root: string;
  /** `<target>/releases/<id>`: this release's own directory. */
  release: string;
  release_id: string;
  target: string;
  /**
   * The names the site answers to (the `server-names` input, space-separated); undefined when none
   * were given, and then a template that uses it is refused: the SSH address is not a site's name.
   */
  server_name: string | undefined;
  /** The host as named in the `host` input (the address deployed to over SSH). */
  host: string;
}

/** Renders `{{name}}` placeholders; an unknown one is an error naming the template, not a silent blank in nginx's config. */
export function renderNginxConfig(
  template: string,
  values: NginxTemplateValues,
  templateName = 'nginx-config',
): string {
  return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (match, name: string) => {
    if (name === 'server_name' && values.server_name === undefined) {
      throw new Error(
        `Input "nginx-config" (${templateName}) uses ${match}, but input "server-names" is empty: give the names the site answers to (e.g. sophia.example www.sophia.example)`,
      );
    }
    if (!Object.hasOwn(values, name)) {
      throw new Error(
        `Input "nginx-config" (${templateName}) uses the unknown placeholder ${match}; known: ${Object.keys(values)
          .map((key) => `{{${key}}}`)
          .join(', ')}`,
      );
    }
    return values[name as keyof NginxTemplateValues] as string;
  });
}
