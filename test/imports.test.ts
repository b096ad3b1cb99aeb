/**
 * Imports run one way between the top-level parts of src/ (a folder, or a file such as
 * events.ts): a cycle between two of them is a layer that no longer knows which side it is on.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from './support/files.js';

const SRC = resolve('src');

/** The top-level part of src/ a file belongs to: `print`, `events.ts`, ... */
function partOf(file: string): string {
  return relative(SRC, file).split('/')[0] as string;
}

/** Every relative import of a file, type-only ones included (they couple layers as much). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1] as string).replace(/\.js$/, '.ts'),
  );
}

/** part -> parts it imports, with one file that does it, for the message. */
function partGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of filesUnder(SRC, /\.ts$/)) {
    const from = partOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const target of importsOf(file)) {
      const to = partOf(target);
      if (to !== from && !edges.has(to)) edges.set(to, relative('.', file));
    }
  }
  return graph;
}

/** Strongly connected components with more than one part (Tarjan). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('imports between the parts of src/', () => {
  const graph = partGraph();

  it('form no cycle', () => {
    const described = cycles(graph).map((scc) =>
      scc
        .flatMap((a) =>
          scc.filter((b) => graph.get(a)?.has(b)).map((b) => `${a} -> ${b} (${graph.get(a)?.get(b)})`),
        )
        .join('; '),
    );
    expect(described).toEqual([]);
  });

  it('leave src/dicom/ at the bottom: it imports nothing else of ours', () => {
    expect([...(graph.get('dicom')?.entries() ?? [])]).toEqual([]);
  });

  it('keep the printer profiles below the print service: profiles/ imports only dicom/', () => {
    expect([...(graph.get('profiles')?.keys() ?? [])].filter((p) => p !== 'dicom')).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a', new Map([['b', 'x']])],
      ['b', new Map([['a', 'y']])],
      ['c', new Map([['a', 'z']])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b']]);
  });
});
