/**
 * MySQL protocol packets the simulator writes itself. mysql2's server side writes error packets
 * with the SQL state `_____` and cannot flag "more results follow", so errors, OK/EOF with status
 * flags, column definitions and text rows (NULL as 0xFB) are built here and handed to
 * `connection.writePacket`, which adds the length and sequence header.
 */

export const SERVER_STATUS_AUTOCOMMIT = 0x0002;
export const SERVER_MORE_RESULTS_EXISTS = 0x0008;

export const TYPE_LONGLONG = 8;
export const TYPE_VAR_STRING = 253;
const UTF8_GENERAL_CI = 33;

/** The shape `Connection.writePacket` needs. */
export class RawPacket {
  readonly buffer: Buffer;
  readonly _name = 'Raw';

  constructor(payload: Buffer) {
    this.buffer = Buffer.concat([Buffer.alloc(4), payload]);
  }

  length(): number {
    return this.buffer.length;
  }

  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer.writeUInt8(sequenceId & 0xff, 3);
  }
}

function lenencInt(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = 0xfc;
    b.writeUInt16LE(n, 1);
    return b;
  }
  if (n < 0x1000000) {
    const b = Buffer.alloc(4);
    b[0] = 0xfd;
    b.writeUIntLE(n, 1, 3);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}

function lenencString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([lenencInt(bytes.length), bytes]);
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

export const errorPacket = (code: number, sqlState: string, message: string): RawPacket =>
  new RawPacket(
    Buffer.concat([
      Buffer.from([0xff]),
      u16(code),
      Buffer.from(`#${sqlState.padEnd(5, '0').slice(0, 5)}`),
      Buffer.from(message, 'utf8'),
    ]),
  );

export const okPacket = (affectedRows: number, status: number): RawPacket =>
  new RawPacket(
    Buffer.concat([Buffer.from([0x00]), lenencInt(affectedRows), lenencInt(0), u16(status), u16(0)]),
  );

export const eofPacket = (status: number): RawPacket =>
  new RawPacket(Buffer.concat([Buffer.from([0xfe]), u16(0), u16(status)]));

export const columnCountPacket = (n: number): RawPacket => new RawPacket(lenencInt(n));

export function columnPacket(name: string, type: number): RawPacket {
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(UTF8_GENERAL_CI, 1);
  fixed.writeUInt32LE(type === TYPE_LONGLONG ? 20 : 65533, 3);
  fixed[7] = type;
  fixed.writeUInt16LE(0, 8);
  fixed[10] = 0;
  return new RawPacket(
    Buffer.concat([
      lenencString('def'),
      lenencString(''),
      lenencString(''),
      lenencString(''),
      lenencString(name),
      lenencString(name),
      fixed.subarray(0, 13),
    ]),
  );
}

export const rowPacket = (values: readonly (string | number | null)[]): RawPacket =>
  new RawPacket(
    Buffer.concat(values.map((v) => (v === null ? Buffer.from([0xfb]) : lenencString(String(v))))),
  );

/** The SQL state Doris sends with each error code. */
export function sqlStateOf(code: number): string {
  switch (code) {
    case 1045:
      return '28000';
    case 1227:
    case 1049:
      return '42000';
    case 1046:
      return '3D000';
    default:
      return 'HY000';
  }
}
