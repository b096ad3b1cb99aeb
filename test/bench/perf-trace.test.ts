import { describe, expect, it } from 'vitest';
import { exchangesOfTrace } from '../../bench/perf-trace.js';

const line = (t: number, d: number, call: string, args: string, r: string) =>
  `${t.toFixed(3).padStart(10)} (${d.toFixed(3).padStart(6)} ms): dcmprscu/4242 ${call}(${args})${' '.repeat(20)}= ${r}`;

describe('exchangesOfTrace', () => {
  it('cuts each connection into requests and answers, with build, write and wait times', () => {
    const text = [
      line(0, 0.02, 'read', 'fd: 4, buf: 0x1, count: 832', '832'), // a file, before the socket
      line(
        1,
        0.1,
        'connect',
        'fd: 4, uservaddr: 0x7ff, addrlen: 16',
        '-1 EINPROGRESS (Operation now in progress)',
      ),
      line(2, 0.05, 'write', 'fd: 4, buf: 0x2, count: 463', '463'), // A-ASSOCIATE-RQ
      line(2.05, 0.95, 'read', 'fd: 4, buf: 0x3, count: 6', '6'), // its answer arrived at 3.0
      line(3.1, 0.01, 'read', 'fd: 4, buf: 0x3, count: 200', '200'),
      line(8, 0.02, 'read', 'fd: 5, buf: 0x1, count: 4096', '4096'), // reading an image meanwhile
      line(10, 0.5, 'write', 'fd: 4, buf: 0x2, count: 32768', '32768'), // N-SET, two PDUs
      line(11, 1, 'writev', 'fd: 4, vec: 0x2, vlen: 2', '32768'),
      line(12, 2, 'read', 'fd: 4, buf: 0x3, count: 6', '6'), // answered 2 ms after the last byte
      line(14.1, 0.01, 'read', 'fd: 4, buf: 0x3, count: 80', '80'),
      line(15, 0.02, 'write', 'fd: 4, buf: 0x2, count: 10', '10'), // A-RELEASE-RQ
      line(15.02, 0.48, 'read', 'fd: 4, buf: 0x3, count: 6', '6'),
      line(15.6, 0.01, 'read', 'fd: 4, buf: 0x3, count: 4', '0'), // end of stream: not an answer
      line(15.7, 0.01, 'close', 'fd: 4', '0'),
      line(16, 0.1, 'connect', 'fd: 4, uservaddr: 0x7ff, addrlen: 16', '0'), // a second association
      line(17, 0.1, 'write', 'fd: 4, buf: 0x2, count: 463', '463'),
      line(17.1, 0.4, 'read', 'fd: 4, buf: 0x3, count: 6', '6'),
    ].join('\n');
    const [first, second, ...rest] = exchangesOfTrace(text);
    expect(rest).toEqual([]);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    expect(first!.map((e) => [e.requestBytes, round(e.buildMs), round(e.writeMs), round(e.waitMs)])).toEqual([
      [463, 0.9, 0.05, 0.95],
      [65536, 6.89, 2, 2],
      [10, 0.89, 0.02, 0.48],
    ]);
    expect(second!.map((e) => [e.requestBytes, round(e.waitMs)])).toEqual([[463, 0.4]]);
  });

  it('finds nothing in a trace without a TCP connection', () => {
    expect(exchangesOfTrace(line(0, 1, 'write', 'fd: 1, buf: 0x1, count: 3', '3'))).toEqual([]);
  });
});
