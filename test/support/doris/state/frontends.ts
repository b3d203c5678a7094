/**
 * The frontends of one cluster: followers (the BDB-JE electable group, the master among them) and
 * observers. Names are `fe_<uuid>`; a dropped name goes to `removed` and never comes back, so a
 * node added again gets a new name. Dropping an alive follower is refused when what remains could
 * not keep a majority (the 2.1 quorum guard).
 */
import { randomUUID } from 'node:crypto';
import { ddlError } from '../errors.ts';

export type FrontendRole = 'FOLLOWER' | 'OBSERVER';

export interface Frontend {
  readonly name: string;
  readonly host: string;
  readonly editLogPort: number;
  readonly role: FrontendRole;
  /** Member of the BDB-JE group: true once the node has started after being added. */
  join: boolean;
  /** From the master's heartbeats. */
  alive: boolean;
  /** Learned from heartbeats; 0 until then. */
  queryPort: number;
  rpcPort: number;
  arrowFlightSqlPort: number;
  replayedJournalId: number;
  lastStartTime?: number;
  lastHeartbeat?: number;
  errMsg: string;
  version: string;
  /** When ALTER SYSTEM ADD ran (epoch ms). */
  readonly addedAt: number;
}

/** Frontend.toString(): `name: fe_x, role: FOLLOWER, host:9010`. */
export const describeFrontend = (fe: Frontend): string =>
  `name: ${fe.name}, role: ${fe.role}, ${fe.host}:${fe.editLogPort}`;

export class Frontends {
  readonly list: Frontend[] = [];
  /** Names dropped from this cluster: never reused. */
  readonly removed = new Set<string>();
  /** Name of the current master; undefined while there is none (no quorum, or before election). */
  master: string | undefined;

  byName(name: string): Frontend | undefined {
    return this.list.find((f) => f.name === name);
  }

  find(host: string, port: number): Frontend | undefined {
    return this.list.find((f) => f.host === host && f.editLogPort === port);
  }

  followers(): Frontend[] {
    return this.list.filter((f) => f.role === 'FOLLOWER');
  }

  /** ALTER SYSTEM ADD FOLLOWER|OBSERVER "host:port": metadata only, the node has not started. */
  add(role: FrontendRole, host: string, port: number): Frontend {
    if (host === '') throw ddlError("frontend's hostName should not be empty while enable_fqdn_mode is true");
    const existing = this.find(host, port);
    if (existing !== undefined) throw ddlError(`frontend already exists ${describeFrontend(existing)}`);
    const fe: Frontend = {
      name: this.newName(),
      host,
      editLogPort: port,
      role,
      join: false,
      alive: false,
      queryPort: 0,
      rpcPort: 0,
      arrowFlightSqlPort: -1,
      replayedJournalId: 0,
      errMsg: '',
      version: '',
      addedAt: Date.now(),
    };
    this.list.push(fe);
    return fe;
  }

  /**
   * ALTER SYSTEM DROP FOLLOWER|OBSERVER "host:port". `aliveFollowers` counts followers the master
   * sees alive, itself included (PR #28101: the guard applies to alive followers only).
   */
  drop(role: FrontendRole, host: string, port: number): Frontend {
    const fe = this.find(host, port);
    if (fe === undefined) throw ddlError(`frontend does not exist[${host}:${port}]`);
    if (fe.role !== role) throw ddlError(`${role} does not exist[${host}:${port}]`);
    if (fe.name === this.master) throw ddlError('can not drop current master node.');
    if (role === 'FOLLOWER' && fe.alive) {
      const numFollower = this.followers().length;
      const numAlive = this.followers().filter((f) => f.alive || f.name === this.master).length;
      const nextMajority = Math.floor((numFollower - 1) / 2) + 1;
      if (numAlive < nextMajority + 1) {
        throw ddlError(
          'Unable to drop this alive follower, because the quorum requirements are not met after this ' +
            `command execution. Current num alive followers ${numAlive}, num followers ${numFollower}, ` +
            `majority after execution ${nextMajority}`,
        );
      }
    }
    this.list.splice(this.list.indexOf(fe), 1);
    this.removed.add(fe.name);
    return fe;
  }

  /** The first frontend of a new cluster: a follower that is master at once. */
  found(host: string, port: number): Frontend {
    const fe = this.add('FOLLOWER', host, port);
    fe.join = true;
    fe.alive = true;
    this.master = fe.name;
    return fe;
  }

  private newName(): string {
    for (;;) {
      const name = `fe_${randomUUID().replaceAll('-', '_')}`;
      if (!this.removed.has(name)) return name;
    }
  }
}
