/**
 * Telemetry: `telemetry.record { stream, value, asset? }`, high-rate sensor readings. They are
 * entries like any other (group-committed, one view record per block) with one more index: by
 * stream and time, in block segments, so `readings({ stream, since, until })` is a range read.
 */
import { getAsset } from './assets.js'
import { refuse } from '../protocol/vocabulary.js'
import { isName, isObject, onlyFields, type OpHandler } from './context.js'

/** Data of a reading. */
export interface ReadingData {
  stream: string
  value: unknown
  asset?: string
}

const record: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'telemetry.record data is { stream, value, asset? }')
    return onlyFields(data, ['stream', 'value', 'asset'], 'telemetry.record') ??
      (isName(data.stream) ? null : refuse('INVALID_ENTRY', 'stream is a name')) ??
      (data.value === undefined ? refuse('INVALID_ENTRY', 'a reading has a value') : null) ??
      (data.asset === undefined || isName(data.asset) ? null : refuse('INVALID_ENTRY', 'asset is an asset id'))
  },
  async apply (ctx, data) {
    const { asset } = data as ReadingData
    if (asset !== undefined && (await getAsset(ctx.batch, asset)) === null) return refuse('UNKNOWN_ASSET', `no asset ${asset}`)
    return null
  }
}

/** The stream a reading belongs to (used by apply to index it). */
export function streamOf (type: string, data: unknown): string | undefined {
  return type === 'telemetry.record' && isObject(data) && typeof data.stream === 'string' ? data.stream : undefined
}

/** The telemetry handlers, by op type. */
export const telemetryOps: Record<string, OpHandler> = {
  'telemetry.record': record
}
