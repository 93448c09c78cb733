// How many CPUs this process may use: the cgroup's CPU quota when the container has one (Docker `--cpus`, a
// Kubernetes CPU limit), else the cores Node sees. os.availableParallelism() counts the host's cores, not the quota.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/**
 * The CPUs a cgroup v2 `cpu.max` ("<quota> <period>", or "max <period>" for none) allows, rounded up; undefined without
 * a quota.
 */
export function cpusFromCpuMax (text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/)
  const q = Number(quota)
  const p = Number(period)
  if (quota === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return undefined
  return Math.max(1, Math.ceil(q / p))
}

/** The CPUs the container may use: its cgroup quota (v2, else v1) if any and below the cores, else the cores. */
export function containerCpus (root = '/sys/fs/cgroup'): number {
  const cores = availableParallelism()
  const read = (path: string) => { try { return readFileSync(`${root}/${path}`, 'utf8') } catch { return undefined } }
  const v2 = read('cpu.max')
  const v1Quota = read('cpu/cpu.cfs_quota_us')
  const v1Period = read('cpu/cpu.cfs_period_us')
  const quota = v2 !== undefined
    ? cpusFromCpuMax(v2)
    : v1Quota !== undefined && v1Period !== undefined && Number(v1Quota) > 0 ? cpusFromCpuMax(`${v1Quota.trim()} ${v1Period.trim()}`) : undefined
  return Math.min(cores, quota ?? cores)
}
