// Address vocabulary written for this project from general knowledge (USPS-style street suffixes, US states and
// Canadian provinces, frequent city names). Lowercase; gazetteer.ts builds the lookup structures once.

/** Street suffixes, full and abbreviated (the abbreviation may carry a trailing dot in text). */
export const STREET_SUFFIXES = `
street st avenue ave av road rd boulevard blvd lane ln drive dr court ct place pl terrace ter way circle cir
parkway pkwy highway hwy square sq trail trl crescent cres close grove row mews gardens gdns walk hill heights
alley aly plaza plz loop pike turnpike expressway expy freeway fwy path point pt ridge run crossing xing park
commons green esplanade promenade quay wharf rise vale view
`;

/** US states, DC and territories, full names (multi-word ones keep their space). */
export const US_STATE_NAMES = [
  'alabama', 'alaska', 'arizona', 'arkansas', 'california', 'colorado', 'connecticut', 'delaware', 'florida',
  'georgia', 'hawaii', 'idaho', 'illinois', 'indiana', 'iowa', 'kansas', 'kentucky', 'louisiana', 'maine',
  'maryland', 'massachusetts', 'michigan', 'minnesota', 'mississippi', 'missouri', 'montana', 'nebraska', 'nevada',
  'new hampshire', 'new jersey', 'new mexico', 'new york', 'north carolina', 'north dakota', 'ohio', 'oklahoma',
  'oregon', 'pennsylvania', 'rhode island', 'south carolina', 'south dakota', 'tennessee', 'texas', 'utah',
  'vermont', 'virginia', 'washington', 'west virginia', 'wisconsin', 'wyoming', 'district of columbia',
  'puerto rico', 'guam',
];

/** Two-letter USPS state codes and Canadian province codes (upper case in text). */
export const REGION_CODES = `
AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA
RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AB BC MB NB NL NS NT NU ON PE QC SK YT
`;

/** Frequent cities of the US, Canada, the UK and Ireland. */
export const CITIES = [
  'new york', 'los angeles', 'chicago', 'houston', 'phoenix', 'philadelphia', 'san antonio', 'san diego', 'dallas',
  'san jose', 'austin', 'jacksonville', 'fort worth', 'columbus', 'charlotte', 'san francisco', 'indianapolis',
  'seattle', 'denver', 'washington', 'boston', 'el paso', 'nashville', 'detroit', 'oklahoma city', 'portland',
  'las vegas', 'memphis', 'louisville', 'baltimore', 'milwaukee', 'albuquerque', 'tucson', 'fresno', 'mesa',
  'sacramento', 'atlanta', 'kansas city', 'colorado springs', 'omaha', 'raleigh', 'miami', 'long beach',
  'virginia beach', 'oakland', 'minneapolis', 'tulsa', 'tampa', 'arlington', 'new orleans', 'wichita', 'cleveland',
  'bakersfield', 'aurora', 'anaheim', 'honolulu', 'santa ana', 'riverside', 'corpus christi', 'lexington',
  'stockton', 'henderson', 'saint paul', 'st. louis', 'cincinnati', 'pittsburgh', 'greensboro', 'anchorage',
  'plano', 'lincoln', 'orlando', 'irvine', 'newark', 'toledo', 'durham', 'chula vista', 'fort wayne', 'jersey city',
  'st. petersburg', 'laredo', 'madison', 'chandler', 'buffalo', 'lubbock', 'scottsdale', 'reno', 'glendale',
  'gilbert', 'norfolk', 'chesapeake', 'garland', 'irving', 'boise', 'spokane', 'richmond', 'des moines',
  'birmingham', 'rochester', 'salt lake city', 'providence', 'hartford', 'springfield', 'albany', 'syracuse',
  'savannah', 'charleston', 'knoxville', 'burlington', 'cambridge', 'ann arbor', 'berkeley', 'palo alto',
  'pasadena', 'evanston', 'princeton', 'trenton', 'dover', 'concord', 'montpelier', 'augusta', 'helena', 'bismarck',
  'pierre', 'cheyenne', 'santa fe', 'olympia', 'salem', 'eugene', 'tacoma', 'bellevue', 'redmond', 'fairbanks',
  'juneau', 'toronto', 'montreal', 'vancouver', 'calgary', 'edmonton', 'ottawa', 'winnipeg', 'quebec city',
  'hamilton', 'halifax', 'victoria', 'saskatoon', 'regina', 'london', 'manchester', 'liverpool', 'leeds',
  'glasgow', 'edinburgh', 'bristol', 'cardiff', 'belfast', 'sheffield', 'newcastle', 'nottingham', 'leicester',
  'brighton', 'oxford', 'york', 'bath', 'aberdeen', 'dundee', 'swansea', 'coventry', 'reading', 'dublin', 'cork',
  'galway',
];

/** Honorifics and titles that introduce a person's name (without the trailing dot). */
export const HONORIFICS = `
mr mrs ms miss mx dr prof professor sir dame lady lord madam madame mme mlle rev reverend fr father sr sister
capt captain col colonel gen general lt lieutenant sgt sergeant officer det detective judge justice senator sen
rep representative gov governor president mayor coach nurse
`;
