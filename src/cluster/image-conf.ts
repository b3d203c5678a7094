/**
 * What the official images' own conf files hold, per release line. The entrypoints link the file
 * the operator mounts at /etc/doris over the image's `conf/fe.conf` / `conf/be.conf` (`ln -sfT`),
 * so whatever the image's file set and ours lacks is gone: on the JDK 17 images `start_fe.sh`
 * then exits with "JAVA_OPTS_FOR_JDK_17 is not set in fe.conf" (2.1, 3.0). The operator's file
 * therefore starts from the image's keys, in the image's order (the start scripts export the
 * upper-case keys line by line, and later lines use `$LOG_DIR` and `$CUR_DATE`).
 *
 * Sources, apache/doris `conf/fe.conf` and `conf/be.conf`: branch-2.0 @5bf5bb8a98 (2.0.16),
 * branch-2.1 @29fe672dbc (2.1.10), branch-3.0 @197869e5f6 (3.0.4). Every JVM key of every line is
 * written for the FE and BE (unused ones are ignored), so a member of the previous line restarted
 * during an upgrade still finds the key its JDK reads.
 *
 * The FE's heap follows the container: 75% of its memory limit (or request), with -Xms equal as
 * the images set it; the image's 8 GiB when neither is set. A user's key of the same name wins.
 */
import type { Component } from '../api/v1alpha1/index.ts';
import { releaseOf } from '../doris/rows.ts';
import { parseQuantity } from '../kube/quantity.ts';

export type ReleaseLine = '2.0' | '2.1' | '3.0';

/** The release line of an image tag or version (`apache/doris:fe-2.1.8`, `3.0.3`); 3.0 when unknown. */
export function releaseLineOf(imageOrVersion: string): ReleaseLine {
  const release = releaseOf(imageOrVersion.slice(imageOrVersion.lastIndexOf(':') + 1));
  const [major = 3, minor = 0] = (release ?? '3.0').split('.').map(Number);
  if (major > 2) return '3.0';
  return major === 2 && minor >= 1 ? '2.1' : '2.0';
}

const CUR_DATE = '`date +%Y%m%d-%H%M%S`';
/** The FE heap of the images' fe.conf, in MiB. */
const imageFeHeapMiB = 8192;

const feJvm = {
  JAVA_OPTS:
    '"-Dfile.encoding=UTF-8 -Djavax.security.auth.useSubjectCredsOnly=false -Xss4m -Xmx8192m ' +
    '-XX:+UnlockExperimentalVMOptions -XX:+UseG1GC -XX:MaxGCPauseMillis=200 -XX:+PrintGCDateStamps ' +
    '-XX:+PrintGCDetails -Xloggc:$LOG_DIR/fe.gc.log.$CUR_DATE -Dlog4j2.formatMsgNoLookups=true"',
  JAVA_OPTS_FOR_JDK_9:
    '"-Dfile.encoding=UTF-8 -Djavax.security.auth.useSubjectCredsOnly=false -Xss4m -Xmx8192m -XX:+UseG1GC ' +
    '-XX:MaxGCPauseMillis=200 -Xlog:gc*:$LOG_DIR/fe.gc.log.$CUR_DATE:time -Dlog4j2.formatMsgNoLookups=true"',
  JAVA_OPTS_FOR_JDK_17: {
    '2.1':
      '"-Dfile.encoding=UTF-8 -Djavax.security.auth.useSubjectCredsOnly=false -XX:+UseG1GC -Xmx8192m -Xms8192m ' +
      '-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=$LOG_DIR/ -Xlog:gc*:$LOG_DIR/fe.gc.log.$CUR_DATE:time"',
    '3.0':
      '"-Dfile.encoding=UTF-8 -Djavax.security.auth.useSubjectCredsOnly=false -Xmx8192m -Xms8192m ' +
      '-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=$LOG_DIR ' +
      '-Xlog:gc*:$LOG_DIR/fe.gc.log.$CUR_DATE:time,uptime:filecount=10,filesize=50M ' +
      '--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED"',
  },
};

const beJvm = {
  JAVA_OPTS:
    '"-Dfile.encoding=UTF-8 -Xmx2048m -DlogPath=$LOG_DIR/jni.log -Xloggc:$LOG_DIR/be.gc.log.$CUR_DATE ' +
    '-Djavax.security.auth.useSubjectCredsOnly=false -Dsun.java.command=DorisBE -XX:-CriticalJNINatives"',
  JAVA_OPTS_FOR_JDK_9:
    '"-Dfile.encoding=UTF-8 -Xmx2048m -DlogPath=$LOG_DIR/jni.log -Xlog:gc:$LOG_DIR/be.gc.log.$CUR_DATE ' +
    '-Djavax.security.auth.useSubjectCredsOnly=false -Dsun.java.command=DorisBE -XX:-CriticalJNINatives ' +
    '--add-opens=java.base/java.nio=ALL-UNNAMED"',
  JAVA_OPTS_FOR_JDK_17:
    '"-Dfile.encoding=UTF-8 -Djol.skipHotspotSAAttach=true -Xmx2048m -DlogPath=$LOG_DIR/jni.log ' +
    '-Xlog:gc*:$LOG_DIR/be.gc.log.$CUR_DATE:time,uptime:filecount=10,filesize=50M ' +
    '-Djavax.security.auth.useSubjectCredsOnly=false -Dsun.java.command=DorisBE -XX:-CriticalJNINatives ' +
    '-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED ' +
    '--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED ' +
    '--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED ' +
    '--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED ' +
    '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED ' +
    '--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED ' +
    '--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED ' +
    '--add-opens=java.base/sun.util.calendar=ALL-UNNAMED ' +
    '--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED ' +
    '--add-opens=java.management/sun.management=ALL-UNNAMED -Darrow.enable_null_check_for_get=false"',
};

/** The image's conf keys of a component on a release line, in file order (LOG_DIR is the operator's). */
export function imageConf(c: Component, line: ReleaseLine): [string, string][] {
  if (c === 'fe') {
    return [
      ['CUR_DATE', CUR_DATE],
      ['LOG_DIR', ''],
      ['JAVA_OPTS', feJvm.JAVA_OPTS],
      ['JAVA_OPTS_FOR_JDK_9', feJvm.JAVA_OPTS_FOR_JDK_9],
      ['JAVA_OPTS_FOR_JDK_17', feJvm.JAVA_OPTS_FOR_JDK_17[line === '3.0' ? '3.0' : '2.1']],
      ['sys_log_level', 'INFO'],
      ['sys_log_mode', line === '3.0' ? 'ASYNC' : 'NORMAL'],
      ...(line === '2.0' ? [] : [['arrow_flight_sql_port', '-1'] as [string, string]]),
    ];
  }
  if (c === 'be' || c === 'cn') {
    return [
      ['CUR_DATE', CUR_DATE],
      ['LOG_DIR', ''],
      ['PPROF_TMPDIR', '"$LOG_DIR/"'],
      ['JAVA_OPTS', beJvm.JAVA_OPTS],
      ['JAVA_OPTS_FOR_JDK_9', beJvm.JAVA_OPTS_FOR_JDK_9],
      ['JAVA_OPTS_FOR_JDK_17', beJvm.JAVA_OPTS_FOR_JDK_17],
      [
        'JEMALLOC_CONF',
        '"percpu_arena:percpu,background_thread:true,metadata_thp:auto,muzzy_decay_ms:5000,dirty_decay_ms:5000,' +
          'oversize_threshold:0,prof:true,prof_active:false,lg_prof_interval:-1"',
      ],
      ['JEMALLOC_PROF_PRFIX', '"jemalloc_heap_profile_"'],
      ...(line === '2.0' ? [] : [['arrow_flight_sql_port', '-1'] as [string, string]]),
      ['enable_https', 'false'],
      ['ssl_certificate_path', '"$DORIS_HOME/conf/cert.pem"'],
      ['ssl_private_key_path', '"$DORIS_HOME/conf/key.pem"'],
      ['sys_log_level', 'INFO'],
      ['aws_log_level', '0'],
      ['AWS_EC2_METADATA_DISABLED', 'true'],
    ];
  }
  return [];
}

/** The memory a container may count on: its limit, else its request. */
function memoryOf(
  resources: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } | undefined,
) {
  const q = resources?.limits?.memory ?? resources?.requests?.memory;
  return q === undefined ? undefined : parseQuantity(q as string | number);
}

/** The FE heap for a container, in MiB: 75% of its memory, or the image's 8 GiB when it has none. */
export function feHeapMiB(
  resources: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } | undefined,
): number {
  const bytes = memoryOf(resources);
  return bytes === undefined ? imageFeHeapMiB : Math.max(256, Math.floor((bytes * 0.75) / 2 ** 20));
}

/** JVM options with their -Xmx (and -Xms, where set) replaced by `heapMiB`. */
export function withHeap(options: string, heapMiB: number): string {
  return options
    .replace(/(^|[\s"])-Xmx\d+[kKmMgG]?/, `$1-Xmx${heapMiB}m`)
    .replace(/(^|[\s"])-Xms\d+[kKmMgG]?/, `$1-Xms${heapMiB}m`);
}
