import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { webKioskBridge } from '../../src-renderer/src/bridge/web-kiosk-bridge.ts';
import type { WatchEvent } from '../../src-renderer/src/bridge/types.ts';
import { runCli, startCli, type CliProcess } from '../testing/cli.ts';
import { nginxMissing, startNginx } from '../testing/nginx.ts';
import { postgresMissing, usePostgres } from '../testing/postgres.ts';
import { freePort } from '../testing/ports.ts';

// A site as the README's "Scaling out" runs it: two `tapin serve` processes on one PostgreSQL database,
// nginx in front for HTTP and WebSockets. The kiosk is the browser kiosk's own bridge (in Node, with
// `ws`); the phone is plain HTTP. Nothing is faked; one instance is killed with SIGKILL.
if (postgresMissing || nginxMissing) console.error('load balancer tests: skipped, PostgreSQL or nginx is not installed');


const json = async (args: string[]) => {
  const result = await runCli(args);
  if (result.code !== 0) throw new Error(`tapin ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

describe.skipIf(postgresMissing || nginxMissing)('a site on two instances behind nginx', () => {
  const cluster = usePostgres();

  it('finishes a login when the instance holding the kiosk’s socket is killed: the kiosk reconnects to the other', async () => {
    const db = await cluster().freshDatabase();
    const ports = [await freePort(), await freePort()] as const;
    const nginx = await startNginx(ports.map((port) => `127.0.0.1:${port}`));
    onTestFinished(() => nginx.stop());
    const serve = async (port: number): Promise<CliProcess> => {
      const instance = await startCli(
        ['serve', '--db', db, '--port', String(port), '--public-url', nginx.url, '--trust-proxy', '127.0.0.1', '--log-level', 'debug'],
        /TapIn listening on/,
      );
      onTestFinished(async () => {
        if (instance.child.exitCode === null && instance.child.signalCode === null) await instance.stop();
      });
      return instance;
    };

    // Only A runs at first: nginx finds B down and sends everything, the kiosk's socket too, to A.
    const a = await serve(ports[0]);
    const kiosk = await json(['kiosk', 'add', '--name', 'Hall', '--db', db]);
    const user = await json(['user', 'add', '--name', 'Grace Hopper', '--db', db]);
    await json(['badge', 'add', '--user', String(user.id), '--uid', '04A1B2C3D4E5F6', '--db', db]);

    const bridge = webKioskBridge({ baseUrl: nginx.url, kioskKey: String(kiosk.key), WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, pollMs: 200 });
    const session = await bridge.createSession().catch((error: unknown) => {
      throw new Error(`${String(error)}; nginx: ${nginx.errorLog()}`);
    });
    const events: WatchEvent[] = [];
    const stop = bridge.watchSession(session, (event) => events.push(event));
    onTestFinished(stop);
    await expect.poll(() => events.some((event) => event.type === 'status' && event.update.status === 'pending')).toBe(true);

    const b = await serve(ports[1]);
    // nginx tries an upstream it found down again after fail_timeout (2 s): until B has answered through it.
    await expect
      .poll(
        async () => {
          await fetch(`${nginx.url}/healthz`);
          return b.output().includes('/healthz');
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(true);
    a.child.kill('SIGKILL');
    await a.exited;

    // The phone, through nginx (to B now): the kiosk hears it on its new socket, then trades it.
    const token = new URL(session.qrPayload).hash.slice('#t='.length);
    const validated = await fetch(`${nginx.url}/api/v1/login-sessions/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, badge: { uid: '04:a1:b2:c3:d4:e5:f6' } }),
    });
    expect(validated.status, nginx.errorLog()).toBe(200);
    await expect.poll(() => events.some((event) => event.type === 'status' && event.update.status === 'authenticated'), { timeout: 10_000 }).toBe(true);
    const signedIn = await bridge.exchange(session);
    expect(signedIn.user.displayName).toBe('Grace Hopper');
    expect((await fetch(`${nginx.url}/readyz`)).status).toBe(200);
  });

  it('rolls a restart through both instances under steady logins, with no failed request beyond the documented retry', async () => {
    const db = await cluster().freshDatabase();
    const ports = [await freePort(), await freePort()] as const;
    const nginx = await startNginx(ports.map((port) => `127.0.0.1:${port}`));
    onTestFinished(() => nginx.stop());
    const running = new Map<number, CliProcess>();
    const serve = async (port: number) => {
      const instance = await startCli(['serve', '--db', db, '--port', String(port), '--public-url', nginx.url, '--trust-proxy', '127.0.0.1', '--log-level', 'debug'], /TapIn listening on/);
      running.set(port, instance);
      return instance;
    };
    onTestFinished(async () => {
      for (const instance of running.values()) if (instance.child.exitCode === null && instance.child.signalCode === null) await instance.stop();
    });
    for (const port of ports) await serve(port);
    const kiosk = await json(['kiosk', 'add', '--name', 'Hall', '--db', db]);
    const user = await json(['user', 'add', '--name', 'Grace Hopper', '--db', db]);
    await json(['badge', 'add', '--user', String(user.id), '--uid', '04A1B2C3D4E5F6', '--db', db]);

    // Logins one after another, as a busy site's kiosks and phones make them, all through nginx.
    // The documented retry (README, "Rolling restarts"): a 502 from the load balancer is tried once more.
    let retried = 0;
    const post = async (path: string, token: string | undefined, body: unknown) => {
      const send = () =>
        fetch(`${nginx.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      const first = await send();
      if (first.status !== 502) return first;
      retried += 1;
      return send();
    };
    const failures: string[] = [];
    let logins = 0;
    let rolling = true;
    const load = (async () => {
      while (rolling) {
        try {
          const created = await post('/login-sessions', String(kiosk.key), {});
          if (created.status !== 201) throw new Error(`create ${created.status}`);
          const session = (await created.json()) as { id: string; token: string; kioskSecret: string };
          const validated = await post('/login-sessions/validate', undefined, { token: session.token, badge: { uid: '04A1B2C3D4E5F6' } });
          if (validated.status !== 200) throw new Error(`validate ${validated.status}`);
          const exchanged = await post(`/login-sessions/${session.id}/exchange`, session.kioskSecret, {});
          if (exchanged.status !== 200) throw new Error(`exchange ${exchanged.status}`);
          logins += 1;
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    })();

    // One instance at a time: SIGTERM (it drains), start it again, and wait until nginx sends it logins
    // again (it retries an upstream it found down after fail_timeout) before the next one.
    for (const port of ports) {
      await running.get(port)?.stop('SIGTERM');
      const back = await serve(port);
      await expect.poll(() => back.output().includes('/api/v1/login-sessions/validate'), { timeout: 10_000 }).toBe(true);
    }
    rolling = false;
    await load;
    expect(failures, nginx.errorLog()).toEqual([]);
    expect(logins).toBeGreaterThan(40);
    // Rare: a connection nginx kept alive, closed by the draining instance just as nginx sent on it.
    expect(retried).toBeLessThanOrEqual(2);
  });
});
