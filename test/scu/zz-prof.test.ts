import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { dcmPrint, generateImages, startDcmprscp } from '../support/dcmprint.js';
import { startLightbox } from '../support/lightbox.js';

it('prof', async () => {
  const work = mkdtempSync(join(tmpdir(), 'prof-'));
  const images = await generateImages(join(tmpdir(), 'lightbox-test-images'));
  const scp = await startDcmprscp({ dir: join(work, 'scp') });
  const dir = join(work, 'printers');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'p.yaml'),
    `aeTitle: PROXY\nname: P\nforward: {mode: proxy, host: 127.0.0.1, port: ${scp.port}, aeTitle: PRINTSCP}\n`,
  );
  const lb = await startLightbox({ printersDir: dir, logLevel: 'warn', noRender: true });
  for (let i = 0; i < 4; i++) {
    await dcmPrint(
      {
        port: lb.dicomPort,
        calledAe: 'PROXY',
        columns: 4,
        rows: 5,
        images: images.ct,
        filmSize: '14INX17IN',
      },
      join(work, `w${i}`),
    );
    const a = lb.app.store.associations.get(
      lb.app.store.associations.list({}, { limit: 1, order: 'desc' }).items[0]!.id,
    )!;
    const start = Date.parse(a.startedAt);
    const m = a.messages;
    const sets = m.filter((x) => x.type === 'N-SET-RSP');
    const firstSetIn = m.find((x) => x.type === 'N-SET-RQ')!.at;
    console.log(
      `assoc ${Date.parse(a.endedAt!) - start}: open->first msg ${m[0]!.at - start}; to first N-SET ${firstSetIn - start}; N-SETs ${sets.at(-1)!.at - firstSetIn}; last msg->end ${Date.parse(a.endedAt!) - m.at(-1)!.at}; msgs ${m
        .map((x) => `${x.type.replace('-RQ', '>').replace('-RSP', '<')}${x.at - start}`)
        .filter((x) => !x.startsWith('N-SET'))
        .join(' ')}`,
    );
  }
  await lb.stop();
  await scp.stop();
}, 120_000);
