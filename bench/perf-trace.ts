/**
 * Where a print's time goes, seen from the SCU: `perf trace` of dcmprscu's socket calls, cut into
 * exchanges (the writes of a request, then the reads of its answer). For each exchange, how long the
 * SCU spent before it (building the request: reading its files, encoding), writing it (blocked when
 * the SCP takes the bytes slower than the SCU writes them) and waiting after its last byte until
 * the answer was read (the SCP's own time, with the loopback's).
 *
 * Why: bench:print's wall times mix the SCU's time with the SCP's. With them apart, a ratio can be
 * read as what it is: a W1 send is mostly dcmprscu building its twenty image box N-SETs.
 *
 * Pure: parses the text `perf trace -o FILE -e read,write,writev,connect,close` writes, e.g.
 *     12.345 ( 0.017 ms): dcmprscu/4242 write(fd: 4, buf: 0x55d0, count: 32768)   = 32768
 * Times are the call's start and duration in ms. The SCU is single-threaded, so each call is one line.
 */

export interface TracedExchange {
  /** Bytes written for the request (PDUs). */
  requestBytes: number;
  /** From the end of the previous answer's last read (or the connect) to the first write. */
  buildMs: number;
  /** From the first write's start to the last write's end. */
  writeMs: number;
  /** From the last write's end to the end of the first read that returned the answer's bytes. */
  waitMs: number;
}

interface Call {
  start: number;
  end: number;
  name: string;
  fd: number;
  result: number;
  line: string;
}

const LINE = /^\s*([\d.]+) \(\s*([\d.]+) ms\): \S+ (\w+)\(fd: (\d+)[^)]*\)\s+= (-?\d+)/;

function calls(text: string): Call[] {
  const out: Call[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const start = Number(m[1]);
    out.push({ start, end: start + Number(m[2]), name: m[3]!, fd: Number(m[4]), result: Number(m[5]), line });
  }
  return out;
}

/**
 * The exchanges of each TCP connection the SCU made, in order: the first is the association's
 * negotiation, the last its release, those between its DIMSE messages.
 */
export function exchangesOfTrace(text: string): TracedExchange[][] {
  const associations: TracedExchange[][] = [];
  let socket: number | undefined;
  let current: TracedExchange[] = [];
  let lastEnd = 0;
  let writes: Call[] = [];
  const close = () => {
    if (socket !== undefined) associations.push(current);
    socket = undefined;
    current = [];
    writes = [];
  };
  for (const c of calls(text)) {
    // A TCP connect (IPv4 or IPv6 address length), successful or in progress.
    if (
      c.name === 'connect' &&
      /addrlen: (16|28)\b/.test(c.line) &&
      (c.result === 0 || /EINPROGRESS/.test(c.line))
    ) {
      close();
      socket = c.fd;
      lastEnd = c.end;
      continue;
    }
    if (c.fd !== socket) continue;
    if (c.name === 'close') {
      close();
      continue;
    }
    if (c.name === 'write' || c.name === 'writev') {
      writes.push(c);
    } else if (c.name === 'read' && c.result > 0) {
      if (writes.length > 0) {
        const first = writes[0]!;
        const last = writes.at(-1)!;
        current.push({
          requestBytes: writes.reduce((n, w) => n + Math.max(0, w.result), 0),
          buildMs: first.start - lastEnd,
          writeMs: last.end - first.start,
          waitMs: c.end - last.end,
        });
        writes = [];
      }
      lastEnd = c.end;
    }
  }
  close();
  return associations;
}
