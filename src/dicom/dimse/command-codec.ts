/**
 * Command set codec (PS3.7 6.3.1, Annex E): group 0000 only, always Implicit VR Little Endian,
 * Command Group Length first. Pure, bounds-checked; a command that does not parse throws
 * CommandError (the association is then aborted: without a readable command we cannot answer).
 */
import {
  COMMAND_ELEMENTS,
  type CommandElementName,
  type CommandSet,
  type CommandVr,
} from './command-fields.js';

export class CommandError extends Error {
  override name = 'CommandError';
}

const BY_TAG = new Map<number, { name: CommandElementName; vr: CommandVr }>(
  Object.entries(COMMAND_ELEMENTS).map(([name, d]) => [
    d.tag,
    { name: name as CommandElementName, vr: d.vr },
  ]),
);

/** Largest command set we accept; real ones are a few hundred bytes. */
export const MAX_COMMAND_LENGTH = 64 * 1024;

function decodeValue(vr: CommandVr, v: Buffer, tagHex: string): number | number[] | string {
  switch (vr) {
    case 'UL':
      if (v.length !== 4) throw new CommandError(`${tagHex} UL of length ${v.length}`);
      return v.readUInt32LE(0);
    case 'US':
      if (v.length !== 2) throw new CommandError(`${tagHex} US of length ${v.length}`);
      return v.readUInt16LE(0);
    case 'AT': {
      if (v.length % 4 !== 0) throw new CommandError(`${tagHex} AT of length ${v.length}`);
      const tags: number[] = [];
      for (let i = 0; i < v.length; i += 4)
        tags.push(((v.readUInt16LE(i) << 16) | v.readUInt16LE(i + 2)) >>> 0);
      return tags;
    }
    default:
      // UI is NUL padded, AE/LO space padded (PS3.5 6.2).
      return v
        .toString('latin1')
        .replace(/[\0 ]+$/, '')
        .replace(/^ +/, '');
  }
}

function encodeValue(vr: CommandVr, value: number | number[] | string): Buffer {
  switch (vr) {
    case 'UL': {
      const b = Buffer.allocUnsafe(4);
      b.writeUInt32LE(value as number);
      return b;
    }
    case 'US': {
      const b = Buffer.allocUnsafe(2);
      b.writeUInt16LE(value as number);
      return b;
    }
    case 'AT': {
      const tags = value as number[];
      const b = Buffer.allocUnsafe(tags.length * 4);
      tags.forEach((t, i) => {
        b.writeUInt16LE(t >>> 16, i * 4);
        b.writeUInt16LE(t & 0xffff, i * 4 + 2);
      });
      return b;
    }
    default: {
      const s = value as string;
      const pad = vr === 'UI' ? '\0' : ' ';
      return Buffer.from(s.length % 2 === 1 ? s + pad : s, 'latin1');
    }
  }
}

export interface DecodedCommand {
  command: CommandSet;
  /** Group 0000 elements we do not know (retired or private use), kept for logs. */
  unknown: { tag: number; value: Buffer }[];
}

export function decodeCommand(buf: Buffer): DecodedCommand {
  if (buf.length > MAX_COMMAND_LENGTH) throw new CommandError(`command set of ${buf.length} bytes`);
  const fields: Record<string, unknown> = {};
  const unknown: { tag: number; value: Buffer }[] = [];
  let offset = 0;
  let lastTag = -1;
  while (offset < buf.length) {
    if (offset + 8 > buf.length) throw new CommandError(`truncated element header at offset ${offset}`);
    const group = buf.readUInt16LE(offset);
    const element = buf.readUInt16LE(offset + 2);
    const length = buf.readUInt32LE(offset + 4);
    const tag = ((group << 16) | element) >>> 0;
    const tagHex = `(${group.toString(16).padStart(4, '0')},${element.toString(16).padStart(4, '0')})`;
    if (group !== 0x0000) throw new CommandError(`${tagHex} outside group 0000 at offset ${offset}`);
    if (length === 0xffffffff || offset + 8 + length > buf.length) {
      throw new CommandError(`${tagHex} length ${length} overruns the command set at offset ${offset}`);
    }
    if (tag <= lastTag) throw new CommandError(`${tagHex} out of ascending order at offset ${offset}`);
    lastTag = tag;
    const value = buf.subarray(offset + 8, offset + 8 + length);
    const def = BY_TAG.get(tag);
    if (def) fields[def.name] = decodeValue(def.vr, value, tagHex);
    else unknown.push({ tag, value: Buffer.from(value) });
    offset += 8 + length;
  }
  if (typeof fields['commandField'] !== 'number') throw new CommandError('no Command Field (0000,0100)');
  if (typeof fields['commandDataSetType'] !== 'number') {
    throw new CommandError('no Command Data Set Type (0000,0800)');
  }
  delete fields['commandGroupLength'];
  return { command: fields as CommandSet, unknown };
}

/** Element definitions in ascending tag order, group length excluded: the order of the wire. */
const ENCODE_ORDER = Object.entries(COMMAND_ELEMENTS)
  .filter(([, d]) => d.tag !== 0)
  .sort(([, a], [, b]) => a.tag - b.tag)
  .map(([name, d]) => ({ name: name as keyof CommandSet, tag: d.tag, vr: d.vr as CommandVr }));

/** Encode a command set, elements in tag order, Command Group Length computed. */
export function encodeCommand(cmd: CommandSet): Buffer {
  for (const name of Object.keys(cmd)) {
    if (!(name in COMMAND_ELEMENTS)) throw new Error(`unknown command element ${name}`);
  }
  const values: { tag: number; value: Buffer }[] = [];
  let length = 0;
  for (const d of ENCODE_ORDER) {
    const v = cmd[d.name];
    if (v === undefined) continue;
    const value = encodeValue(d.vr, v);
    values.push({ tag: d.tag, value });
    length += 8 + value.length;
  }
  const out = Buffer.allocUnsafe(12 + length);
  out.writeUInt32LE(0x00000000, 0);
  out.writeUInt32LE(4, 4);
  out.writeUInt32LE(length, 8);
  let at = 12;
  for (const { tag, value } of values) {
    out.writeUInt16LE(tag >>> 16, at);
    out.writeUInt16LE(tag & 0xffff, at + 2);
    out.writeUInt32LE(value.length, at + 4);
    value.copy(out, at + 8);
    at += 8 + value.length;
  }
  return out;
}
