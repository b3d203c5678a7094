/** Brokers: `ALTER SYSTEM ADD BROKER name "host:port"`, kept alive by the master's heartbeats. */
import { ddlError } from '../errors.ts';
import type { HostPort } from './probe.ts';

export interface Broker {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  alive: boolean;
  lastStartTime?: number;
  lastUpdateTime?: number;
  errMsg: string;
}

export class Brokers {
  readonly list: Broker[] = [];

  find(host: string, port: number): Broker | undefined {
    return this.list.find((b) => b.host === host && b.port === port);
  }

  add(name: string, hostPorts: readonly HostPort[]): Broker[] {
    for (const hp of hostPorts) {
      const existing = this.list.find((b) => b.name === name && b.host === hp.host && b.port === hp.port);
      if (existing !== undefined)
        throw ddlError(`Broker(${name}, ${hp.host}:${hp.port}) has already in brokers.`);
    }
    return hostPorts.map((hp) => {
      const b: Broker = { name, host: hp.host, port: hp.port, alive: false, errMsg: '' };
      this.list.push(b);
      return b;
    });
  }

  drop(name: string, hostPorts: readonly HostPort[]): Broker[] {
    if (!this.list.some((b) => b.name === name)) throw ddlError(`Unknown broker name(${name})`);
    const found = hostPorts.map((hp) => {
      const b = this.list.find((x) => x.name === name && x.host === hp.host && x.port === hp.port);
      if (b === undefined) throw ddlError(`Broker(${name}, ${hp.host}:${hp.port}) has not in brokers.`);
      return b;
    });
    for (const b of found) this.list.splice(this.list.indexOf(b), 1);
    return found;
  }

  dropAll(name: string): Broker[] {
    const found = this.list.filter((b) => b.name === name);
    if (found.length === 0) throw ddlError(`Unknown broker name(${name})`);
    for (const b of found) this.list.splice(this.list.indexOf(b), 1);
    return found;
  }
}
