/**
 * A single-node Slurm cluster for tests, brought up as root on this machine from Debian's packages (munge,
 * slurmctld, slurmd, slurm-client): munge key (created when missing), munged (reused when already
 * answering), a minimal slurm.conf in a temp dir (SLURM_CONF points clients at it), slurmctld and slurmd;
 * ready when `sinfo` shows the node idle. `stop()` ends every daemon this harness started and removes the
 * temp dir. Anything missing is an error that says what to install: the sweep's Slurm test fails, it
 * never skips.
 */
import { join } from "@std/path";

/** A running test cluster: environment for Slurm clients (SLURM_CONF), its state folder, and `stop`. */
export type SlurmCluster = {
  env: Record<string, string>;
  dir: string;
  node: string;
  stop: () => Promise<void>;
};

const PACKAGES = "munge slurmctld slurmd slurm-client";

async function sh(cmd: string, args: string[], env?: Record<string, string>) {
  try {
    const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped", stdin: "null" })
      .output();
    const dec = new TextDecoder();
    return { ok: o.success, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
  } catch (e) {
    throw new Error(`cannot run ${cmd} (Debian packages: ${PACKAGES}): ${(e as Error).message}`, {
      cause: e,
    });
  }
}

async function which(bin: string): Promise<string> {
  for (const d of ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]) {
    const p = join(d, bin);
    if (await Deno.stat(p).then(() => true, () => false)) return p;
  }
  throw new Error(`${bin} not found: install the Debian packages ${PACKAGES}`);
}

async function until(what: string, seconds: number, ok: () => Promise<boolean>, log?: () => Promise<string>) {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Slurm test cluster: ${what} not ready after ${seconds} s${log ? `\n${await log()}` : ""}`);
}

const alive = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);
const readPid = (path: string) => Deno.readTextFile(path).then((t) => Number(t.trim()), () => 0);

/**
 * Starts munged (if needed), slurmctld and slurmd; throws with the reason when the cluster cannot come up.
 * One test cluster at a time on this machine (the daemons' ports and munged are shared): a second caller,
 * e.g. another test file under `deno test --parallel`, waits on an exclusive file lock until `stop()`.
 */
export async function startSlurm(): Promise<SlurmCluster> {
  if (Deno.uid() !== 0) {
    throw new Error("the Slurm test cluster must be started as root (slurmd runs jobs as root)");
  }
  const lock = await Deno.open("/tmp/lutlab-slurm-test.lock", { create: true, write: true });
  await lock.lock(true);
  try {
    const cluster = await startLocked();
    return {
      ...cluster,
      stop: async () => {
        try {
          await cluster.stop();
        } finally {
          lock.close(); // closing releases the lock
        }
      },
    };
  } catch (e) {
    lock.close();
    throw e;
  }
}

async function startLocked(): Promise<SlurmCluster> {
  const [munged, slurmctld, slurmd] = await Promise.all(["munged", "slurmctld", "slurmd"].map(which));
  await Promise.all(["sbatch", "squeue", "sinfo", "munge", "unmunge"].map(which));
  const key = "/etc/munge/munge.key";
  if (!await Deno.stat(key).then(() => true, () => false)) {
    const mk = await sh("mungekey", ["--create", "--keyfile", key]).catch(() => ({ ok: false, err: "" }));
    if (!mk.ok) {
      const dd = await sh("dd", ["if=/dev/urandom", `of=${key}`, "bs=1024", "count=1"]);
      if (!dd.ok) throw new Error(`cannot create ${key}: ${dd.err}`);
    }
    await sh("chown", ["munge:munge", key]);
    await Deno.chmod(key, 0o400);
  }
  const mungeOk = async () => {
    const enc = await new Deno.Command("munge", { args: ["-n"], stdout: "piped", stderr: "null" }).output();
    if (!enc.success) return false;
    const p = new Deno.Command("unmunge", { stdin: "piped", stdout: "null", stderr: "null" }).spawn();
    const w = p.stdin.getWriter();
    await w.write(enc.stdout);
    await w.close();
    return (await p.status).success;
  };
  let ownMunge = false;
  if (!await mungeOk()) {
    await Deno.mkdir("/run/munge", { recursive: true });
    await sh("chown", ["munge:munge", "/run/munge"]);
    const asMunge = await sh("runuser", ["-u", "munge", "--", munged]).catch(() => ({ ok: false, err: "" }));
    if (!asMunge.ok) {
      const r = await sh(munged, ["--force"]);
      if (!r.ok) throw new Error(`munged did not start: ${r.err.trim()}`);
    }
    ownMunge = true;
    await until("munge", 10, mungeOk);
  }
  const dir = await Deno.makeTempDir({ prefix: "lutlab-slurm-" });
  const node = (await sh("hostname", ["-s"])).out.trim();
  const memMb = Number(/MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))![1]) / 1024;
  const conf = join(dir, "slurm.conf");
  await Deno.writeTextFile(
    conf,
    [
      "ClusterName=lutlabtest",
      `SlurmctldHost=${node}`,
      "SlurmUser=root",
      "AuthType=auth/munge",
      `StateSaveLocation=${dir}/ctld`,
      `SlurmdSpoolDir=${dir}/d`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core_Memory",
      "SlurmdParameters=config_overrides",
      "ReturnToService=2",
      "MpiDefault=none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "SchedulerType=sched/builtin",
      "MinJobAge=300",
      `NodeName=${node} CPUs=2 RealMemory=${Math.floor(memMb / 2)} State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  await Deno.mkdir(join(dir, "ctld"));
  await Deno.mkdir(join(dir, "d"));
  const env = { SLURM_CONF: conf };
  const pids = () => Promise.all(["slurmd", "slurmctld"].map((d) => readPid(join(dir, `${d}.pid`))));
  const stop = async () => {
    for (const pid of await pids()) if (pid && await alive(pid)) Deno.kill(pid, "SIGTERM");
    for (const pid of await pids()) await until(`exit of ${pid}`, 15, async () => !pid || !await alive(pid));
    if (ownMunge) {
      const pid = await readPid("/run/munge/munged.pid");
      if (pid && await alive(pid)) Deno.kill(pid, "SIGTERM");
    }
    await Deno.remove(dir, { recursive: true });
  };
  const logs = async () =>
    (await Promise.all(
      ["slurmctld.log", "slurmd.log"].map((f) => Deno.readTextFile(join(dir, f)).catch(() => "")),
    ))
      .map((t) => t.trimEnd().split("\n").slice(-10).join("\n")).join("\n");
  try {
    for (const [bin, name] of [[slurmctld, "slurmctld"], [slurmd, "slurmd"]]) {
      const r = await sh(bin, ["-f", conf], env);
      if (!r.ok) throw new Error(`${name} did not start: ${r.err.trim()}\n${await logs()}`);
    }
    await until("the node (sinfo idle)", 30, async () => {
      const r = await sh("sinfo", ["-h", "-o", "%T"], env);
      return r.ok && r.out.trim() === "idle";
    }, logs);
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { env, dir, node, stop };
}
