/**
 * The "Node floor" for bench/echo.ts: the least any Node DICOM server must do to answer C-ECHO.
 *
 * Why it exists: on micro round trips (one C-ECHO, one short association) a trivial Node server is
 * itself slower than DCMTK's storescp. Measuring this floor next to Lightbox and storescp separates
 * what Node costs (event loop, libuv sockets, V8) from what Lightbox adds on top of it (association
 * state machine, validation, logging, printer lookup, dispatch).
 *
 * What it does, and nothing more: a TCP server on 127.0.0.1 with Nagle disabled; per socket a
 * PduFramer and the repo's pure codecs. A-ASSOCIATE-RQ is answered with buildAccept (the LIGHTBOX
 * AE, Verification only); a P-DATA-TF command is decoded and answered with a successful C-ECHO-RSP
 * on the same presentation context, whatever it asked; A-RELEASE-RQ gets A-RELEASE-RP; A-ABORT,
 * any other PDU or any error destroys the socket. No state machine, no logging, no validation beyond what the codecs
 * do themselves. Not a DICOM server: a measuring stick.
 *
 * Usage: node dist/bench/echo-floor.js PORT. Prints "listening PORT" once up; exits on SIGTERM.
 */
import { createServer, type Socket } from 'node:net';
import { joined } from '../src/dicom/chunked-bytes.js';
import { decodeCommand, encodeCommand } from '../src/dicom/dimse/command-codec.js';
import { CommandField, NO_DATA_SET, RESPONSE_BIT } from '../src/dicom/dimse/command-fields.js';
import { Implementation, Uid } from '../src/dicom/uids.js';
import { buildAccept } from '../src/dicom/ul/acceptance.js';
import { decodePdu, encodePdu } from '../src/dicom/ul/pdu-codec.js';
import { PduFramer } from '../src/dicom/ul/pdu-framer.js';

const HOST = '127.0.0.1';
const MAX_PDU = 262144;
const MAX_ASSOCIATE_PDU = 64 * 1024;

const PRINTER = {
  aeTitle: 'LIGHTBOX',
  abstractSyntaxes: new Set([Uid.Verification]),
  transferSyntaxes: [Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian],
};
const SETTINGS = {
  findPrinter: () => undefined,
  atCapacity: () => false,
  maxPduLength: MAX_PDU,
  implementationClassUid: Implementation.classUid,
  implementationVersionName: Implementation.versionName,
};
const RELEASE_RP = encodePdu({ type: 'A-RELEASE-RP' });

function echoResponse(contextId: number, command: Buffer): Buffer {
  const rq = decodeCommand(command).command;
  const rsp = encodeCommand({
    commandField: CommandField.C_ECHO_RQ | RESPONSE_BIT,
    messageIdBeingRespondedTo: rq.messageId ?? 0,
    affectedSopClassUid: Uid.Verification,
    commandDataSetType: NO_DATA_SET,
    status: 0,
  });
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand: true, isLast: true, data: rsp }] });
}

function serve(socket: Socket): void {
  const framer = new PduFramer({ maxPDataLength: MAX_PDU, maxAssociateLength: MAX_ASSOCIATE_PDU });
  let fragments: Buffer[] = [];
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const raw of framer.push(chunk)) {
        const pdu = decodePdu(raw);
        switch (pdu.type) {
          case 'A-ASSOCIATE-RQ':
            socket.write(encodePdu(buildAccept(pdu, PRINTER, SETTINGS)));
            break;
          case 'P-DATA-TF':
            for (const pdv of pdu.pdvs) {
              if (!pdv.isCommand) continue;
              fragments.push(joined(pdv.data));
              if (!pdv.isLast) continue;
              const command = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
              fragments = [];
              socket.write(echoResponse(pdv.contextId, command));
            }
            break;
          case 'A-RELEASE-RQ':
            socket.write(RELEASE_RP);
            break;
          default:
            socket.destroy();
            return;
        }
      }
    } catch {
      socket.destroy();
    }
  });
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: node dist/bench/echo-floor.js PORT\n');
  process.exit(2);
}
const server = createServer({ noDelay: true }, serve);
server.once('error', (e) => {
  process.stderr.write(`echo-floor: ${e.message}\n`);
  process.exit(1);
});
server.listen(port, HOST, () => process.stdout.write(`listening ${port}\n`));
process.once('SIGTERM', () => process.exit(0));
