/**
 * A file to stream in a reply, opened before answering: a file that is missing (or went away) is
 * then a 404 the route chooses, not a 200 cut short.
 */
import { createReadStream, type ReadStream } from 'node:fs';

/** The file as a stream once it is open; undefined when it cannot be opened. */
export function openedFile(path: string): Promise<ReadStream | undefined> {
  const stream = createReadStream(path);
  return new Promise((resolve) => {
    stream.once('open', () => resolve(stream));
    stream.once('error', () => resolve(undefined));
  });
}
