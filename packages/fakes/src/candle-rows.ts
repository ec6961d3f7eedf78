// The candle history a fake venue keeps: rows ordered by open time, newest last.

/**
 * Replaces the row with the same open time or inserts it in order, then keeps the newest
 * `maxRows`. The common case, the open candle changing or the next one opening, is O(1).
 */
export function upsertCandleRow<T>(
  rows: T[],
  row: T,
  openTime: (row: T) => number,
  maxRows = Infinity
): T[] {
  const at = openTime(row)
  const last = rows.at(-1)
  if (last === undefined || openTime(last) < at) rows.push(row)
  else if (openTime(last) === at) rows[rows.length - 1] = row
  else {
    const index = rows.findIndex((existing) => openTime(existing) >= at)
    if (rows[index] !== undefined && openTime(rows[index]) === at) rows[index] = row
    else rows.splice(index, 0, row)
  }
  if (rows.length > maxRows) rows.splice(0, rows.length - maxRows)
  return rows
}
