/**
 * Writes one PDU's buffers (Output 'write' parts) to a socket as a single writev: corked, so
 * Node hands them to the kernel together rather than a write per buffer. Inside an outer cork
 * (a batch of PDUs) they join that batch's writev.
 */
import type { Writable } from 'node:stream';

export function writeParts(socket: Writable, parts: readonly Buffer[]): void {
  if (parts.length === 1) {
    socket.write(parts[0]!);
    return;
  }
  socket.cork();
  for (const p of parts) socket.write(p);
  socket.uncork();
}
