/** The thumbnail cache: bounded by bytes, least recently used out first. */
import { expect, it } from 'vitest';
import { ThumbCache } from '../../src/http/thumb-cache.js';

it('keeps at most maxBytes, dropping the least recently used first', () => {
  const c = new ThumbCache(100);
  c.set('a', Buffer.alloc(40));
  c.set('b', Buffer.alloc(40));
  expect(c.get('a')?.length).toBe(40); // a is now the most recently used
  c.set('c', Buffer.alloc(40));
  expect(c.get('b')).toBeUndefined();
  expect(c.get('a')).toBeDefined();
  expect(c.get('c')).toBeDefined();
  expect(c.bytes).toBe(80);
  c.set('a', Buffer.alloc(10));
  expect(c.bytes).toBe(50);
  c.delete('c');
  expect(c.bytes).toBe(10);
  c.set('huge', Buffer.alloc(101));
  expect(c.get('huge')).toBeUndefined();
  expect(c.bytes).toBe(10);
});
