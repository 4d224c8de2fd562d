import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

// Debian's nginx as the load balancer in front of several TapIn instances, as the README configures
// it (HTTP and WebSockets), on a free loopback port with its files in a temp folder.

const NGINX = '/usr/sbin/nginx';
export const nginxMissing = !existsSync(NGINX);
if (nginxMissing && process.env.CI) throw new Error(`CI needs nginx at ${NGINX} (apt-get install nginx)`);


export interface TestNginx {
  readonly url: string;
  readonly port: number;
  /** nginx's error log so far (upstreams it found down, and why). */
  errorLog(): string;
  stop(): Promise<void>;
}

/** The site's nginx config for `upstreams` (host:port of each instance), listening on `port`. */
export function loadBalancerConfig(dir: string, port: number, upstreams: string[]): string {
  const asRoot = process.getuid?.() === 0;
  return `
${asRoot ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  upstream tapin {
${upstreams.map((upstream) => `    server ${upstream} max_fails=3 fail_timeout=2s;`).join('\n')}
    keepalive 16;
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }
  server {
    listen 127.0.0.1:${port};
    # nginx's own answer, for the harness to know it is up without touching the instances.
    location = /nginx-alive { return 204; }
    location / {
      proxy_pass http://tapin;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      # An instance that is down or draining: the request goes to another (never a POST already sent).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
      # Kiosk WebSockets stay open for hours; TapIn pings them every 30 s.
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/** Starts nginx balancing over `upstreams`; stopped (and its folder removed) by `stop`. */
export async function startNginx(upstreams: string[]): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tapin-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), loadBalancerConfig(dir, port, upstreams));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Up once it answers on its port.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/nginx-alive`, { signal: AbortSignal.timeout(1_000) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${errors}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
