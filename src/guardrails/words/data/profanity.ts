/**
 * Strata's managed profanity list (English): vulgar words, sexual vulgarities and slurs that a customer-facing
 * assistant should not send or receive. Written for this project; matched on word boundaries, case-insensitive,
 * with leetspeak and stretched letters ("fuuuck", "sh1t") folded, so plain words that contain an entry
 * ("class", "Scunthorpe", "cocktail", "assume") never match.
 *
 * Format, one entry family a line: `base|suffix|suffix…` expands to the base and base+each suffix; spaces
 * inside an entry match any run of whitespace. Words whose innocent sense is common in
 * ordinary or medical text are left out ("hell", "screw", "hoe", "tit" the bird, "cum laude", "slag", "homo
 * sapiens", anatomical terms), so a health or gardening assistant is not blocked by its own vocabulary.
 */
const FAMILIES = `
fuck|s|ed|er|ers|ing|in|head|heads|face|faces|wit|wits|tard|boy|off|up|buddy|hole|holes
motherfuck|er|ers|ing|in
clusterfuck|s
mindfuck|s
fuckery
fucktard|s
fvck|ing
fuk|ing|er
phuck|ing
shit|s|ty|tier|tiest|head|heads|face|hole|holes|bag|bags|show|shows|storm|stain|load|ting|ted|ter
bullshit|ter|ting
horseshit
chickenshit
dipshit|s
apeshit
batshit
shite
ass|es|hole|holes|hat|hats|wipe|wipes|clown|face|head|kisser|lick|licker
jackass|es
dumbass|es
smartass|es
fatass
badass|es
kickass
asswipe
arse|hole|holes|wipe
bitch|es|ing|y|ed|ass
sonofabitch
son of a bitch
bastard|s
damn|ed|it
goddamn|ed|it
dammit
crap|py|s|ola
cunt|s|y
twat|s
dick|s|head|heads|wad|face|hole
dickweed
cock|s|sucker|suckers|sucking|head
cocksuck|er|ers|ing
pussy|ies
pussies
douche|bag|bags|s|y
douchebag|s
wanker|s
wank|ing|ed|s
tosser|s
bollocks
bollock|s
bugger|ed|ing|s
knobhead|s
knobend
bellend|s
minge
slut|s|ty
whore|s|house
skank|s|y
tits
titty
titties
boobs
boobies
cumshot|s
cumslut
gyp|ped|ping
jizz|ed
blowjob|s
handjob|s
rimjob
dildo|s
butthole|s
buttfuck|er|ing
piss|ed|er|ing|off|head|y
pissing
jerkoff
jerk off
circlejerk
scumbag|s
turd|s
twatwaffle
numbnuts
nutsack
ballsack
porn|o|ography|y
smut
tranny|ies
faggot|s|ry
fag|s|gy
dyke|s
queer bait
nigger|s
nigga|s|z
spic|s
spick|s
wetback|s
beaner|s
chink|s
gook|s
jap|s
raghead|s
towelhead|s
sandnigger|s
paki|s
kike|s
yid|s
kraut|s
gringo|s
honky|ies
cracker ass
redskin|s
squaw|s
retard|s|ed
tard|s
spaz|zes
midget|s
thot|s
milf|s
wtf
stfu
gtfo
fml
omfg
lmfao
`;

function expand(lines: string): string[] {
  const out = new Set<string>();
  for (const raw of lines.split('\n')) {
    const line = raw.trim();
    if (line.length === 0) continue;
    const [base, ...suffixes] = line.split('|');
    out.add(base!);
    for (const s of suffixes) out.add(base! + s);
  }
  return [...out];
}

/** The managed profanity entries, lowercase, expanded from their families. */
export const PROFANITY: readonly string[] = expand(FAMILIES);
