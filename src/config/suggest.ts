import { distance } from 'fastest-levenshtein';

/** The closest candidate within a typo's reach (about a third of the word), for "did you mean". */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(2, Math.ceil(word.length / 3));
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** `did you mean "x"?` when something is close, else the list of what is allowed. */
export function didYouMean(word: string, candidates: readonly string[], what: string): string {
  const hit = closest(word, candidates);
  if (hit !== undefined) return `did you mean ${JSON.stringify(hit)}?`;
  if (candidates.length === 0) return `remove it; no ${what} is allowed here`;
  return `use one of the ${what}: ${candidates.map((c) => JSON.stringify(c)).join(', ')}`;
}
