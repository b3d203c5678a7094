/**
 * What `bin/start_fe.sh` and `bin/start_be.sh` check before they start the process, per release
 * line, with their own messages: a member whose mounted conf or host would stop the real script
 * exits at start here too, and its container restarts (a crash loop). The entrypoints run these
 * scripts after registration (`start_fe.sh --console`, `start_be.sh --console`), on the conf file
 * they linked from the ConfigMap at /etc/doris (`ln -sfT`: the image's own conf file is replaced
 * whole, so a key the mounted file lacks has no value at all).
 *
 * Sources (apache/doris): branch-2.0 @5bf5bb8a98 (2.0.16-rc01), branch-2.1 @29fe672dbc (2.1.10),
 * branch-3.0 @197869e5f6 (3.0.5-rc01); `bin/start_fe.sh`, `bin/start_be.sh`,
 * `fe/fe-common/src/main/java/org/apache/doris/common/ConfigBase.java`.
 */
import type { HostView } from './kube/host.ts';
import type { MemberSpec } from './member.ts';
import { atLeast, type ReleaseLine, releaseLine } from './version.ts';

/**
 * The JDK of each line's images: 2.0 images are built `FROM openjdk:8u342-jdk`; 3.0 images run
 * JDK 17 only (start_fe.sh: "must be 17"); 2.1 images are modelled on JDK 17, the stricter of the
 * two its start_fe.sh accepts (it reads JAVA_OPTS_FOR_JDK_17 above JDK 16, #26889).
 */
const jdkOf: Readonly<Record<ReleaseLine, number>> = { '2.0': 8, '2.1': 17, '3.0': 17 };

const proxyVars = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'];

/**
 * The environment the start scripts export from a conf file: only keys in upper case
 * (`grep -E "^[[:upper:]]([[:upper:]]|_|[[:digit:]])*="`, start_fe.sh L105-115 / start_be.sh),
 * after `eval echo` has taken the quotes off.
 */
export function exportedFromConf(conf: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(conf).filter(([k]) => /^[A-Z][A-Z_0-9]*$/.test(k)));
}

/** start_fe.sh (and the FE's ConfigBase) refusing to start: the message, or undefined. */
export function feStartRefusal(spec: Pick<MemberSpec, 'version' | 'conf' | 'env'>): string | undefined {
  const line = releaseLine(spec.version);
  const env = { ...spec.env, ...exportedFromConf(spec.conf) };
  // start_fe.sh L141-146 (2.0, 2.1), L142-147 (3.0).
  for (const v of proxyVars)
    if (env[v] !== undefined && env[v] !== '')
      return `env '${v}' = '${env[v]}', need unset it using 'unset ${v}'`;
  const jdk = jdkOf[line];
  // 2.0 L183-190: above JDK 8 the JDK 9 options are required (and reported in fe.out only).
  if (line === '2.0' && jdk > 8 && !env.JAVA_OPTS_FOR_JDK_9)
    return 'JAVA_OPTS_FOR_JDK_9 is not set in fe.conf';
  // 2.1 L194-207 (above JDK 16), 3.0 L195-204 (JDK 17 only).
  if (line !== '2.0' && jdk >= 17 && !env.JAVA_OPTS_FOR_JDK_17)
    return 'JAVA_OPTS_FOR_JDK_17 is not set in fe.conf';
  // ConfigBase.replacedByEnv (3.0 L192-212, same in 2.0 and 2.1): every `${NAME}` in fe.conf is
  // taken from a system property or the environment, else the FE exits.
  const known = new Set([
    ...Object.keys(env),
    'DORIS_HOME',
    'JAVA_HOME',
    'LOG_DIR',
    'PID_DIR',
    'PATH',
    'HOME',
  ]);
  for (const value of Object.values(spec.conf)) {
    for (const m of value.matchAll(/\$\{([^}]+)\}/g)) {
      if (!known.has(m[1] ?? '')) return `no such env variable: ${m[1]}`;
    }
  }
  return undefined;
}

/** Which start_be.sh host checks a line runs, in its order, with its messages. */
const beChecks: Readonly<
  Record<ReleaseLine, readonly { readonly fails: (h: HostView) => boolean; readonly message: string }[]>
> = {
  // 2.0 L67-84: no way to skip them.
  '2.0': [
    {
      fails: (h) => h.maxMapCount < 2_000_000,
      message:
        "Please set vm.max_map_count to be 2000000 under root using 'sysctl -w vm.max_map_count=2000000'.",
    },
    {
      fails: (h) => h.openFiles < 60_000,
      message:
        "Please set the maximum number of open file descriptors larger than 60000, eg: 'ulimit -n 60000'.",
    },
    { fails: (h) => h.swapOn, message: "Please disable swap memory before installation, eg: 'swapoff -a'." },
  ],
  // 2.1 L67-90.
  '2.1': [
    {
      fails: (h) => h.maxMapCount < 2_000_000,
      message:
        "Please set vm.max_map_count to be 2000000 under root using 'sysctl -w vm.max_map_count=2000000'.",
    },
    { fails: (h) => h.swapOn, message: 'Please disable swap memory before installation.' },
    {
      fails: (h) => h.openFiles < 60_000,
      message: 'Set max number of open file descriptors to a value greater than 60000.',
    },
  ],
  // 3.0 L178-201.
  '3.0': [
    {
      fails: (h) => h.maxMapCount < 2_000_000,
      message:
        "Set kernel parameter 'vm.max_map_count' to a value greater than 2000000, example: 'sysctl -w vm.max_map_count=2000000'",
    },
    { fails: (h) => h.swapOn, message: 'Disable swap memory before starting be' },
    {
      fails: (h) => h.openFiles < 60_000,
      message: 'Set max number of open file descriptors to a value greater than 60000.',
    },
  ],
};

/**
 * `SKIP_CHECK_ULIMIT=true` skips the host checks from 2.1.8 (#45858) and 3.0.4 (#45269). On 2.1
 * the checks run before be.conf is read, so only the container's environment counts; 3.0 reads
 * be.conf first (L85-95), so the key may be there too.
 */
function skipsHostChecks(spec: Pick<MemberSpec, 'version' | 'conf' | 'env'>): boolean {
  const line = releaseLine(spec.version);
  if (line === '2.0') return false;
  if (line === '2.1') return atLeast(spec.version, '2.1.8') && spec.env.SKIP_CHECK_ULIMIT === 'true';
  const env = { ...spec.env, ...exportedFromConf(spec.conf) };
  return atLeast(spec.version, '3.0.4') && env.SKIP_CHECK_ULIMIT === 'true';
}

/** start_be.sh refusing to start on this host: the message, or undefined. */
export function beStartRefusal(
  spec: Pick<MemberSpec, 'version' | 'conf' | 'env'>,
  host: HostView,
): string | undefined {
  const line = releaseLine(spec.version);
  if (!skipsHostChecks(spec)) {
    for (const check of beChecks[line]) if (check.fails(host)) return check.message;
  }
  const env = { ...spec.env, ...exportedFromConf(spec.conf) };
  for (const v of proxyVars)
    if (env[v] !== undefined && env[v] !== '')
      return `env '${v}' = '${env[v]}', need unset it using 'unset ${v}'`;
  return undefined;
}

/**
 * The keys the start scripts read (upper case) of the conf file an image ships, per line: what a
 * member runs with when no ConfigMap puts a file of its own at /etc/doris (`conf/fe.conf`,
 * `conf/be.conf` of each branch, values without their quotes as `eval echo` leaves them).
 */
export function imageConf(kind: MemberSpec['kind'], version: MemberSpec['version']): Record<string, string> {
  const line = releaseLine(version);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, written as the conf file does
  const home = '${DORIS_HOME}';
  if (kind === 'fe') {
    const base = { CUR_DATE: '`date +%Y%m%d-%H%M%S`', LOG_DIR: `${home}/log` };
    const jdk9 =
      '-Djavax.security.auth.useSubjectCredsOnly=false -Xss4m -Xmx8192m -XX:+UseG1GC -XX:MaxGCPauseMillis=200 -Xlog:gc*:$LOG_DIR/fe.gc.log.$CUR_DATE:time -Dlog4j2.formatMsgNoLookups=true';
    const jdk17 =
      '-Dfile.encoding=UTF-8 -Djavax.security.auth.useSubjectCredsOnly=false -XX:+UseG1GC -Xmx8192m -Xms8192m -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=$LOG_DIR/ -Xlog:gc*:$LOG_DIR/fe.gc.log.$CUR_DATE:time';
    if (line === '2.0') return { ...base, JAVA_OPTS: '-Xss4m -Xmx8192m', JAVA_OPTS_FOR_JDK_9: jdk9 };
    if (line === '2.1')
      return {
        ...base,
        JAVA_OPTS: '-Xss4m -Xmx8192m',
        JAVA_OPTS_FOR_JDK_9: jdk9,
        JAVA_OPTS_FOR_JDK_17: jdk17,
      };
    return { ...base, JAVA_OPTS: '-Xss4m -Xmx8192m', JAVA_OPTS_FOR_JDK_17: jdk17 };
  }
  if (kind === 'be') {
    return {
      CUR_DATE: '`date +%Y%m%d-%H%M%S`',
      LOG_DIR: `${home}/log/`,
      JAVA_OPTS: '-Xmx2048m -DlogPath=$LOG_DIR/jni.log',
      JAVA_OPTS_FOR_JDK_17: '-Xmx2048m -DlogPath=$LOG_DIR/jni.log',
    };
  }
  return {};
}
