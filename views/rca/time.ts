/** Wall-clock times in an IANA time zone for the RCA, DST-correct through Intl (no tz library needed). */

export interface ZonedTime {
  /** `2026-03-29` */
  date: string;
  /** `03:01` */
  time: string;
  /** `UTC+02:00`, or `UTC` */
  offset: string;
}

export interface ZoneClock {
  timeZone: string;
  at(ms: number): ZonedTime;
  /** `2026-03-28 23:50 UTC+01:00` */
  stamp(ms: number): string;
}

const PART_NAMES = ['year', 'month', 'day', 'hour', 'minute', 'second'] as const;

/** Throws a RangeError for a time zone Intl does not know: a wrong zone must not silently become UTC. */
export function zoneClock(timeZone: string): ZoneClock {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const at = (ms: number): ZonedTime => {
    const parts = new Map(format.formatToParts(ms).map((p) => [p.type, p.value]));
    const [year, month, day, hour, minute, second] = PART_NAMES.map((name) => Number(parts.get(name)));
    // The offset is what the wall clock reads minus what UTC reads, at whole-second precision.
    const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
    const offsetMinutes = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
    return {
      date: `${pad(year!, 4)}-${pad(month!)}-${pad(day!)}`,
      time: `${pad(hour!)}:${pad(minute!)}`,
      offset: offsetLabel(offsetMinutes),
    };
  };
  return {
    timeZone,
    at,
    stamp(ms) {
      const z = at(ms);
      return `${z.date} ${z.time} ${z.offset}`;
    },
  };
}

function offsetLabel(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}
