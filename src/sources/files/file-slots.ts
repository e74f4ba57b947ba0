/**
 * Objects one file may hold: each file owns this many consecutive `sequence` numbers, so an
 * object's sequence is `slot * MAX_OBJECTS_PER_FILE + its position among the file's objects`.
 */
export const MAX_OBJECTS_PER_FILE = 2 ** 20;

/** Slots left free after each file placed anew, for files added later between them. */
const SLOT_GAP = 2 ** 10;

/** The largest slot whose sequences are still exact integers. */
const MAX_SLOT = Math.floor(Number.MAX_SAFE_INTEGER / MAX_OBJECTS_PER_FILE) - 1;

/**
 * Gives each file, in load order, a slot: a number that grows along the list, from which its
 * objects' `sequence` is made (see {@link MAX_OBJECTS_PER_FILE}).
 *
 * Why slots rather than one counter over all objects: `sequence` orders objects without a
 * `creationTimestamp` by age, so it must follow load order, but a change of one object's
 * sequence is a change of that object, and the translator redoes what it feeds. With one
 * counter, a document added to the first file renumbered every later object. Here a file keeps
 * its slot from the previous load (`previous`) as long as the order allows, so an edit, a
 * document added, a file removed, or a file added where the gap before the next one has room,
 * leave every other file's sequences as they were. New files are spread over the gap they fall
 * in; files placed after the last kept one get a gap of {@link SLOT_GAP} each. Only when no room
 * is left (about ten files added one after another at the same place) do the files of that
 * stretch move, and the order stays right in every case.
 */
export function assignSlots(
  files: readonly string[],
  previous: ReadonlyMap<string, number>,
): Map<string, number> {
  const slots = new Map<string, number>();
  let low = 0;
  let pending: string[] = [];
  for (const file of files) {
    const kept = previous.get(file);
    if (kept !== undefined && kept <= MAX_SLOT && kept - low > pending.length) {
      spread(pending, low, kept, slots);
      pending = [];
      slots.set(file, kept);
      low = kept;
    } else {
      pending.push(file);
    }
  }
  if (low + pending.length * SLOT_GAP > MAX_SLOT) return freshSlots(files);
  for (const file of pending) {
    low += SLOT_GAP;
    slots.set(file, low);
  }
  return slots;
}

/** Places `files` evenly strictly between `low` and `high` (the caller leaves room). */
function spread(files: readonly string[], low: number, high: number, slots: Map<string, number>) {
  const step = Math.floor((high - low) / (files.length + 1));
  files.forEach((file, index) => slots.set(file, low + step * (index + 1)));
}

/** Slots from scratch, as wide apart as the number of files allows. */
function freshSlots(files: readonly string[]): Map<string, number> {
  const gap = Math.max(1, Math.min(SLOT_GAP, Math.floor(MAX_SLOT / (files.length + 1))));
  return new Map(files.map((file, index) => [file, (index + 1) * gap]));
}
