/** A run of the document under one heading path: from `start` to the next section's start. */
export interface Section {
  start: number;
  /** heading titles, outermost first; [] before the first heading */
  path: string[];
}

/*
 * ATX headings only (`#` … `######`, up to three spaces of indent, a space before the title, optional
 * closing #s), as CommonMark defines them. Setext headings (underlined with === or ---) are not detected:
 * `---` is far more often a thematic break in the documents we ingest. Lines inside ``` or ~~~ fences are
 * code, so a `# comment` there is not a heading.
 */
const LINE = /^ {0,3}(?:(#{1,6})(?:[ \t]+([^\r\n]*?))?[ \t]*|(`{3,}|~{3,})[^\r\n]*)$/gm;

interface RawSection extends Section {
  /** true when the section holds its heading line and nothing else */
  headingOnly: boolean;
}

function headingTitle(raw: string | undefined): string {
  // "## Title ##" -> "Title"; a title made only of #s is the closing sequence of an empty heading.
  const t = (raw ?? '').replace(/(?:^|[ \t]+)#+$/, '').trim();
  return t;
}

function isBlank(text: string, from: number, to: number): boolean {
  return !/\S/.test(text.slice(from, to));
}

/**
 * The Markdown sections of a text, in order; the first starts at 0. A section made only of a heading whose
 * next section is nested under it (`# Install` directly followed by `## Linux`) is folded into that next
 * section: a chunk holding a lone heading line is useless to retrieve, and the nested path already names it.
 */
export function markdownSections(text: string): Section[] {
  const raw: RawSection[] = [{ start: 0, path: [], headingOnly: true }];
  const stack: { level: number; title: string }[] = [];
  let fence: string | undefined;
  let lastContentFrom = 0;
  for (const m of text.matchAll(LINE)) {
    const fenceRun = m[3];
    if (fenceRun !== undefined) {
      if (fence === undefined) fence = fenceRun;
      else if (fenceRun[0] === fence[0] && fenceRun.length >= fence.length && m[0].trim() === fenceRun) fence = undefined;
      continue;
    }
    const hashes = m[1];
    if (fence !== undefined || hashes === undefined) continue;
    const current = raw[raw.length - 1]!;
    current.headingOnly = isBlank(text, lastContentFrom, m.index);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= hashes.length) stack.pop();
    stack.push({ level: hashes.length, title: headingTitle(m[2]) });
    raw.push({ start: m.index, path: stack.map((h) => h.title), headingOnly: false });
    lastContentFrom = m.index + m[0].length;
  }
  raw[raw.length - 1]!.headingOnly = isBlank(text, lastContentFrom, text.length);
  // Fold from the end so that chains (# A, ## B, ### C, text) collapse into C's section.
  const out: Section[] = [];
  for (let i = raw.length - 1; i >= 0; i--) {
    const s = raw[i]!;
    const next = out[out.length - 1];
    if (s.headingOnly && next !== undefined && next.path.length > s.path.length) {
      next.start = s.start;
      continue;
    }
    out.push({ start: s.start, path: s.path });
  }
  out.reverse();
  // An empty preamble (the document starts with its first heading) is not a section.
  return out.filter((s, i) => i === out.length - 1 || s.start < out[i + 1]!.start);
}

/** Index of the section that contains offset (sections sorted by start, the first at 0). */
export function sectionIndexAt(sections: readonly Section[], offset: number): number {
  let lo = 0;
  let hi = sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sections[mid]!.start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
