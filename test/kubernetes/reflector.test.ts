import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESOURCES, Reflector, type ReflectorTiming } from '../../src/sources/kubernetes/index.ts';
import type { RequestInfo } from '../fake-api-server/index.ts';
import {
  FAST_TIMING,
  capturingLogger,
  recordingHandler,
  serviceBody,
  startApi,
  until,
  type ApiFixture,
} from './support.ts';

const isWatch = (request: RequestInfo): boolean => request.query['watch'] === 'true';
const isServiceList = (request: RequestInfo): boolean =>
  request.path.endsWith('/services') && request.query['watch'] === undefined;

describe('Reflector against the fake API server', () => {
  let fixture: ApiFixture;
  const started: Reflector[] = [];
  before(async () => {
    fixture = await startApi({ bookmarkIntervalMs: 100 });
  });
  after(async () => {
    // Stopped here too, so that a failed assertion cannot leave a loop running.
    await Promise.all(started.map((reflector) => reflector.stop()));
    await fixture.close();
  });

  /** A Service reflector over a fresh namespace, so tests do not see each other's objects. */
  function reflect(namespace: string, timing: ReflectorTiming = FAST_TIMING) {
    const handler = recordingHandler();
    const { logger, lines } = capturingLogger();
    const reflector = new Reflector({
      ...timing,
      api: fixture.api,
      resource: RESOURCES.Service,
      namespace,
      handler,
      logger,
    });
    started.push(reflector);
    return { handler, lines, reflector };
  }

  test('lists, then follows the watch; list and watch objects have one shape', async () => {
    fixture.server.create('Service', serviceBody('a', 80, 'shape'));
    const { handler, reflector } = reflect('shape');
    reflector.start();
    await reflector.synced;
    assert.deepEqual(handler.calls, ['LIST a']);
    const listed = handler.objects.get('a');
    assert.equal(listed?.kind, 'Service');
    assert.equal(listed.apiVersion, 'v1');
    assert.equal(typeof listed.metadata.creationTimestamp, 'string');

    fixture.server.update('Service', {
      ...serviceBody('a', 80, 'shape'),
      metadata: listed.metadata,
    });
    fixture.server.create('Service', serviceBody('b', 81, 'shape'));
    fixture.server.delete('Service', { namespace: 'shape', name: 'b' });
    await until(() => handler.calls.length === 3);
    assert.deepEqual(handler.calls, ['LIST a', 'ADDED b', 'DELETED b']);
    // The unchanged update sent no event; a real change comes as MODIFIED, shaped as listed.
    fixture.server.update('Service', {
      ...serviceBody('a', 90, 'shape'),
      metadata: listed.metadata,
    });
    await until(() => handler.calls.length === 4);
    const watched = handler.objects.get('a');
    assert.deepEqual(Object.keys(watched ?? {}).sort(), Object.keys(listed).sort());
    const identity = (metadata: object | undefined) => ({
      ...metadata,
      resourceVersion: '',
      generation: 0,
    });
    assert.deepEqual(identity(watched?.metadata), identity(listed.metadata));
    await reflector.stop();
    assert.equal(reflector.stats().failures, 0);
  });

  test('relists after 410 Expired, and the list replaces what was missed', async () => {
    fixture.server.create('Service', serviceBody('old', 80, 'expiry'));
    const { handler, reflector, lines } = reflect('expiry');
    reflector.start();
    await reflector.synced;
    await fixture.server.restart(() => {
      fixture.server.delete('Service', { namespace: 'expiry', name: 'old' });
      fixture.server.create('Service', serviceBody('new', 80, 'expiry'));
      fixture.server.compact();
    });
    await until(() => reflector.stats().lists === 2);
    assert.deepEqual([...handler.objects.keys()], ['new']);
    assert.ok(lines.some((line) => line.msg === 'resourceVersion expired; listing again'));
    await reflector.stop();
  });

  test('keeps going after a run of 500s, with backoff, and after dropped watches', async () => {
    const { handler, reflector } = reflect('errors');
    reflector.start();
    await reflector.synced;
    fixture.server.failNext(
      5,
      500,
      (request) => isWatch(request) && request.path.includes('/errors/'),
    );
    fixture.server.dropWatches();
    await until(() => reflector.stats().failures >= 5);
    fixture.server.create('Service', serviceBody('after', 80, 'errors'));
    await until(() => handler.objects.has('after'));
    assert.equal(reflector.stats().lists, 1, 'a failed watch resumes from its resourceVersion');
    await reflector.stop();
  });

  test('a failing first list is retried until it succeeds', async () => {
    fixture.server.create('Service', serviceBody('x', 80, 'firstlist'));
    fixture.server.failNext(
      3,
      503,
      (request) => isServiceList(request) && request.path.includes('/firstlist/'),
    );
    const { handler, reflector } = reflect('firstlist');
    reflector.start();
    await reflector.synced;
    assert.equal(reflector.stats().failures, 3);
    assert.deepEqual([...handler.objects.keys()], ['x']);
    await reflector.stop();
  });

  test('survives an API server restart', async () => {
    const { handler, reflector } = reflect('restart');
    reflector.start();
    await reflector.synced;
    await fixture.server.restart(() => {
      fixture.server.create('Service', serviceBody('during', 80, 'restart'));
    });
    fixture.server.create('Service', serviceBody('later', 80, 'restart'));
    await until(() => handler.objects.has('during') && handler.objects.has('later'));
    await reflector.stop();
  });

  test('a hung watch is cut by the inactivity timeout; a hung list by the list timeout', async () => {
    // Bookmarks every 100 ms keep a healthy watch well inside 400 ms of silence.
    const timing = { ...FAST_TIMING, inactivityMs: 400, listTimeoutMs: 400 };
    const inNamespace = (request: RequestInfo): boolean => request.path.includes('/hung/');
    fixture.server.hangNext(1, (request) => isServiceList(request) && inNamespace(request));
    const { handler, reflector } = reflect('hung', timing);
    reflector.start();
    await reflector.synced;
    assert.equal(reflector.stats().failures, 1, 'the hung list timed out once');
    fixture.server.hangNext(1, (request) => isWatch(request) && inNamespace(request));
    fixture.server.dropWatches();
    await until(() => reflector.stats().lastError === 'inactivity timeout', 5_000);
    fixture.server.create('Service', serviceBody('alive', 80, 'hung'));
    await until(() => handler.objects.has('alive'));
    const watchesBefore = reflector.stats().watches;
    // A quiet but healthy watch is not restarted: bookmarks count as activity.
    const quiet = reflector.stats().resourceVersion;
    fixture.server.create('Service', serviceBody('elsewhere', 80, 'other-namespace'));
    await until(() => reflector.stats().resourceVersion !== quiet, 2_000);
    assert.equal(reflector.stats().watches, watchesBefore);
    await reflector.stop();
  });

  test('re-watches after the server timeout without listing again', async () => {
    const { reflector, lines } = reflect('timeout', { ...FAST_TIMING, watchTimeoutSeconds: 1 });
    reflector.start();
    await reflector.synced;
    await until(() => reflector.stats().watches >= 2, 5_000);
    assert.equal(reflector.stats().lists, 1);
    assert.equal(reflector.stats().failures, 0);
    assert.equal(lines.filter((line) => line.level >= 40).length, 0);
    await reflector.stop();
  });

  test('an exception in the handler is logged and does not stop the watch', async () => {
    const { handler } = reflect('unused');
    const { logger, lines } = capturingLogger();
    const reflector = new Reflector({
      ...FAST_TIMING,
      api: fixture.api,
      resource: RESOURCES.Service,
      namespace: 'throws',
      logger,
      handler: {
        replace: () => {
          throw new Error('boom in replace');
        },
        apply: (type, object) => {
          if (object.metadata.name === 'bad') throw new Error('boom');
          handler.apply(type, object);
        },
      },
    });
    started.push(reflector);
    reflector.start();
    await reflector.synced;
    fixture.server.create('Service', serviceBody('bad', 80, 'throws'));
    fixture.server.create('Service', serviceBody('good', 80, 'throws'));
    await until(() => handler.objects.has('good'));
    const failures = lines.filter((line) => line.level === 50);
    assert.equal(failures.length, 2);
    const bad = failures[1];
    assert.ok(bad);
    assert.equal(bad['name'], 'bad');
    assert.equal(bad['namespace'], 'throws');
    assert.equal(bad['kind'], 'Service');
    assert.equal(reflector.stats().watches, 1);
    await reflector.stop();
  });

  test('stop ends the watch on the server and settles', async () => {
    await until(() => fixture.server.openWatches === 0);
    const { reflector } = reflect('stopping');
    reflector.start();
    await reflector.synced;
    await until(() => fixture.server.openWatches === 1);
    await reflector.stop();
    await until(() => fixture.server.openWatches === 0);
  });
});
