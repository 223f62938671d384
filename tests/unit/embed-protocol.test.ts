// The embed's pure parts: parsing host messages, the origin allow-list, and
// the request queue (order, cancel of queued and running requests).
import { describe, expect, it } from 'vitest';
import { isProtocolProblem, parseHostMessage } from '../../src/embed/protocol';
import { isAllowed, parseOriginList, resolveAllowList } from '../../src/embed/origins';
import { JobQueue } from '../../src/embed/job-queue';

describe('parseHostMessage', () => {
  it('accepts the five request types and keeps only known fields', () => {
    expect(parseHostMessage({ zoetrope: 1, type: 'generate', id: 'a', prompt: 'a ball', steps: 4, extra: 'x' })).toEqual({ zoetrope: 1, type: 'generate', id: 'a', prompt: 'a ball', steps: 4 });
    expect(parseHostMessage({ zoetrope: 1, type: 'cancel', id: 7 })).toEqual({ zoetrope: 1, type: 'cancel', id: 7 });
    expect(parseHostMessage({ zoetrope: 1, type: 'getStatus', id: 's' })).toEqual({ zoetrope: 1, type: 'getStatus', id: 's' });
    expect(parseHostMessage({ zoetrope: 1, type: 'installModel', id: 'i', manifestUrl: 'https://x.example/m.json' })).toMatchObject({ type: 'installModel' });
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    expect(parseHostMessage({ zoetrope: 1, type: 'installPack', id: 'p', pack: bytes })).toEqual({ zoetrope: 1, type: 'installPack', id: 'p', pack: bytes, name: 'host.zoepack' });
    const file = new File([new Uint8Array([1])], 'class.zoepack');
    expect(parseHostMessage({ zoetrope: 1, type: 'installPack', id: 'p', pack: file })).toMatchObject({ pack: file, name: 'class.zoepack' });
  });

  it('names the problem and keeps a usable id', () => {
    const cases: [unknown, string, unknown][] = [
      ['hi', 'expected an object', null],
      [{ zoetrope: 2, type: 'getStatus', id: 'x' }, 'zoetrope: expected the protocol version 1', 'x'],
      [{ zoetrope: 1, type: 'boom', id: 'y' }, 'type: expected one of', 'y'],
      [{ zoetrope: 1, type: 'getStatus', id: '' }, 'id: expected a request id', null],
      [{ zoetrope: 1, type: 'generate', id: 'g' }, 'prompt: expected text', 'g'],
      [{ zoetrope: 1, type: 'generate', id: 'g', prompt: 'p', seed: '1' }, 'seed: expected a number', 'g'],
      [{ zoetrope: 1, type: 'installModel', id: 'i', manifestUrl: 'javascript:1' }, 'manifestUrl: expected an absolute http(s) URL', 'i'],
      [{ zoetrope: 1, type: 'installPack', id: 'p', pack: 'https://x.example/a.zoepack' }, 'pack: expected the .zoepack file as a Blob, File or ArrayBuffer', 'p'],
      [{ zoetrope: 1, type: 'installPack', id: 'p', pack: new Blob([]) }, 'pack: expected the .zoepack file, got an empty one', 'p'],
      [{ zoetrope: 1, type: 'installPack', id: 'p', pack: new Blob(['x']), name: 42 }, 'name: expected a file name', 'p'],
    ];
    for (const [data, problem, id] of cases) {
      const parsed = parseHostMessage(data);
      expect(isProtocolProblem(parsed)).toBe(true);
      expect(parsed).toMatchObject({ id });
      expect((parsed as { problem: string }).problem).toContain(problem);
    }
  });
});

describe('origin allow-list', () => {
  it('normalises origins, rejects paths and junk, and needs * to be explicit', () => {
    const list = parseOriginList('https://School.example/, http://localhost:5173 https://x.example/page nonsense');
    expect(list.origins).toEqual(['https://school.example', 'http://localhost:5173']);
    expect(list.rejected).toHaveLength(2);
    expect(list.any).toBe(false);
    expect(isAllowed('https://school.example', list)).toBe(true);
    expect(isAllowed('https://evil.example', list)).toBe(false);
    expect(isAllowed('null', parseOriginList('*'))).toBe(false);
    expect(isAllowed('https://any.example', parseOriginList('*'))).toBe(true);
    expect(isAllowed('https://any.example', parseOriginList(''))).toBe(false);
  });

  it('lets the URL parameter narrow the build-time list, never widen it', () => {
    expect(resolveAllowList(null, 'https://a.example').origins).toEqual(['https://a.example']);
    expect(resolveAllowList('https://b.example', '').origins).toEqual(['https://b.example']);
    expect(resolveAllowList('https://b.example', '*').origins).toEqual(['https://b.example']);
    const narrowed = resolveAllowList('https://a.example,https://b.example,*', 'https://a.example');
    expect(narrowed).toMatchObject({ any: false, origins: ['https://a.example'] });
    expect(narrowed.rejected).toHaveLength(2);
  });
});

describe('JobQueue', () => {
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('runs requests one at a time, in arrival order', async () => {
    const queue = new JobQueue();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`start ${name}`);
      await later(5);
      log.push(`end ${name}`);
      return name;
    };
    expect(await Promise.all([queue.enqueue('a', job('a')), queue.enqueue('b', job('b'))])).toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('cancels a queued request before it starts and aborts a running one; reused keys are refused', async () => {
    const queue = new JobQueue();
    let started = false;
    const running = queue.enqueue('run', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))));
    const waiting = queue.enqueue('wait', async () => (started = true));
    await expect(queue.enqueue('run', async () => 1)).rejects.toMatchObject({ name: 'ProtocolError' });
    expect(queue.queued).toBe(1);
    expect(queue.cancel('wait')).toBe(true);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(queue.cancel('run')).toBe(true);
    await expect(running).rejects.toThrow('stopped');
    expect(started).toBe(false);
    expect(queue.cancel('nothing')).toBe(false);
  });
});
