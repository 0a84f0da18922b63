/**
 * Title of a Markdown document: `title:` of a YAML front matter block, else the first heading
 * (ATX `# …` or setext underlined), skipping fenced code where `#` lines are comments, not headings.
 */
export function markdownTitle(text: string): string | undefined {
  const lines = text.split('\n');
  let start = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
    if (end > 0) {
      for (const l of lines.slice(1, end)) {
        const m = /^title:\s*(.+?)\s*$/.exec(l);
        const value = m?.[1]?.replace(/^(["'])(.*)\1$/, '$2').trim();
        if (value !== undefined && value.length > 0) return value;
      }
      start = end + 1;
    }
  }
  let fence: string | null = null;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch?.[1] !== undefined) {
      const marker = fenceMatch[1];
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const atx = /^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx?.[1] !== undefined) return atx[1].trim();
    const next = lines[i + 1] ?? '';
    if (line.trim().length > 0 && /^ {0,3}(=+|-+)[ \t]*$/.test(next) && !/^ {0,3}[-*+>]/.test(line)) {
      return line.trim();
    }
  }
  return undefined;
}
