import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { shellCommand } from '@sophia/ssh';
import { sleep, startOnFreePort } from './ports.js';
import { spawnLogged, stopProcessTree } from './processes.js';

export interface NginxLayout {
  /** nginx's -p prefix: config, logs, pid and temp files all live below it. */
  prefix: string;
  /** What the default server serves (a symlink the deploy switches). */
  root: string;
}

const MIME_TYPES = `
    types {
      text/html html htm;
      text/css css;
      text/plain txt;
      application/javascript js mjs;
      application/json json map;
      image/png png;
      image/jpeg jpg jpeg;
      image/gif gif;
      image/svg+xml svg;
      image/x-icon ico;
      font/woff2 woff2;
      application/wasm wasm;
    }
    default_type application/octet-stream;`;

/**
 * A host nginx's main config: pid, logs (`logs/`) and temp files (`tmp/`) under `prefix`, one
 * default server on 127.0.0.1:`port` whose body is `defaultServer`, then `include` (the site configs
 * a deploy installs: a server block there with "server_name 127.0.0.1" on this port takes over).
 * `head` comes first (`user`, `daemon`).
 */
export function localNginxConfig(options: {
  head: string;
  prefix: string;
  port: number;
  defaultServer: string;
  include: string;
}): string {
  const path = (name: string) => join(options.prefix, name);
  return `${options.head}worker_processes 1;
pid ${path('nginx.pid')};
error_log ${path('logs/error.log')} notice;
events { worker_connections 512; }
http {${MIME_TYPES}
    access_log ${path('logs/access.log')};
    client_body_temp_path ${path('tmp/client_body')};
    proxy_temp_path ${path('tmp/proxy')};
    fastcgi_temp_path ${path('tmp/fastcgi')};
    uwsgi_temp_path ${path('tmp/uwsgi')};
    scgi_temp_path ${path('tmp/scgi')};
    server {
      listen 127.0.0.1:${options.port} default_server;
      server_name _;
      ${options.defaultServer}
    }
    include ${options.include};
}
`;
}

function nginxConfig(layout: NginxLayout, port: number, configDir: string): string {
  // As root nginx would drop its workers to "nobody", who cannot read a deploy made by the SSH user (root).
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  return localNginxConfig({
    head: `${user}daemon off;\n`,
    prefix: layout.prefix,
    port,
    defaultServer: `root ${layout.root};\n      index index.html;`,
    include: `${configDir}/*.conf`,
  });
}

/** Whether anything answers HTTP at `url` (a fresh connection each time, no keep-alive). */
export function httpAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export class Nginx {
  private child: ChildProcess | undefined;
  readonly configPath: string;
  readonly configDir: string;
  readonly errorLogPath: string;

  private constructor(
    private readonly layout: NginxLayout,
    readonly program: string,
    readonly port: number,
  ) {
    this.configPath = join(layout.prefix, 'nginx.conf');
    this.configDir = join(layout.prefix, 'conf.d');
    this.errorLogPath = join(layout.prefix, 'logs/error.log');
  }

  static async start(layout: NginxLayout, program: string): Promise<Nginx> {
    return startOnFreePort(
      (port) => new Nginx(layout, program, port),
      (nginx) => nginx.start(),
      (nginx) => readFile(nginx.errorLogPath, 'utf8').catch(() => ''),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The nginx command line for this instance plus extra arguments (-e keeps startup errors out of /var/log). */
  private commandLine(...extra: string[]): string {
    return shellCommand([
      this.program,
      '-p',
      this.layout.prefix,
      '-c',
      this.configPath,
      '-e',
      this.errorLogPath,
      ...extra,
    ]);
  }

  get testCommand(): string {
    return this.commandLine('-t', '-q');
  }

  get reloadCommand(): string {
    return this.commandLine('-s', 'reload');
  }

  private async start(): Promise<void> {
    for (const dir of ['logs', 'tmp', 'conf.d']) await mkdir(join(this.layout.prefix, dir), { recursive: true });
    await writeFile(this.configPath, nginxConfig(this.layout, this.port, this.configDir));
    const child = spawnLogged(
      this.program,
      ['-p', this.layout.prefix, '-c', this.configPath, '-e', this.errorLogPath],
      join(this.layout.prefix, 'logs/stderr.log'),
    );
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await httpAnswers(this.url)) return;
      await sleep(20);
    }
    await this.stop();
    const log = await readFile(this.errorLogPath, 'utf8').catch(() => '');
    throw new Error(`nginx did not start on 127.0.0.1:${this.port}:\n${log.trim().split('\n').slice(-10).join('\n')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await stopProcessTree(child, 'SIGTERM');
  }
}
