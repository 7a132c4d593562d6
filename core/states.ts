import type { StateFips } from './types.ts';

/** A US state, DC or territory: the keys every source uses for it. */
export interface UsState {
  fips: StateFips;
  postal: string;
  name: string;
  /** Territories and DC send a non-voting delegate to the House (district `98`). */
  delegate: boolean;
}

// FIPS codes per ANSI/INCITS 38:2009 (https://www.census.gov/library/reference/code-lists/ansi.html).
const TABLE: Array<[StateFips, string, string, boolean?]> = [
  ['01', 'AL', 'Alabama'],
  ['02', 'AK', 'Alaska'],
  ['04', 'AZ', 'Arizona'],
  ['05', 'AR', 'Arkansas'],
  ['06', 'CA', 'California'],
  ['08', 'CO', 'Colorado'],
  ['09', 'CT', 'Connecticut'],
  ['10', 'DE', 'Delaware'],
  ['11', 'DC', 'District of Columbia', true],
  ['12', 'FL', 'Florida'],
  ['13', 'GA', 'Georgia'],
  ['15', 'HI', 'Hawaii'],
  ['16', 'ID', 'Idaho'],
  ['17', 'IL', 'Illinois'],
  ['18', 'IN', 'Indiana'],
  ['19', 'IA', 'Iowa'],
  ['20', 'KS', 'Kansas'],
  ['21', 'KY', 'Kentucky'],
  ['22', 'LA', 'Louisiana'],
  ['23', 'ME', 'Maine'],
  ['24', 'MD', 'Maryland'],
  ['25', 'MA', 'Massachusetts'],
  ['26', 'MI', 'Michigan'],
  ['27', 'MN', 'Minnesota'],
  ['28', 'MS', 'Mississippi'],
  ['29', 'MO', 'Missouri'],
  ['30', 'MT', 'Montana'],
  ['31', 'NE', 'Nebraska'],
  ['32', 'NV', 'Nevada'],
  ['33', 'NH', 'New Hampshire'],
  ['34', 'NJ', 'New Jersey'],
  ['35', 'NM', 'New Mexico'],
  ['36', 'NY', 'New York'],
  ['37', 'NC', 'North Carolina'],
  ['38', 'ND', 'North Dakota'],
  ['39', 'OH', 'Ohio'],
  ['40', 'OK', 'Oklahoma'],
  ['41', 'OR', 'Oregon'],
  ['42', 'PA', 'Pennsylvania'],
  ['44', 'RI', 'Rhode Island'],
  ['45', 'SC', 'South Carolina'],
  ['46', 'SD', 'South Dakota'],
  ['47', 'TN', 'Tennessee'],
  ['48', 'TX', 'Texas'],
  ['49', 'UT', 'Utah'],
  ['50', 'VT', 'Vermont'],
  ['51', 'VA', 'Virginia'],
  ['53', 'WA', 'Washington'],
  ['54', 'WV', 'West Virginia'],
  ['55', 'WI', 'Wisconsin'],
  ['56', 'WY', 'Wyoming'],
  ['60', 'AS', 'American Samoa', true],
  ['66', 'GU', 'Guam', true],
  ['69', 'MP', 'Northern Mariana Islands', true],
  ['72', 'PR', 'Puerto Rico', true],
  ['78', 'VI', 'U.S. Virgin Islands', true],
];

export const US_STATES: readonly UsState[] = TABLE.map(([fips, postal, name, delegate]) => ({
  fips,
  postal,
  name,
  delegate: delegate ?? false,
}));

const byPostal = new Map(US_STATES.map((s) => [s.postal, s]));
const byFips = new Map(US_STATES.map((s) => [s.fips, s]));

/** Looks a state up by postal code, case-insensitively; undefined when unknown. */
export function stateByPostal(postal: string): UsState | undefined {
  return byPostal.get(postal.toUpperCase());
}

export function stateByFips(fips: string): UsState | undefined {
  return byFips.get(fips);
}
