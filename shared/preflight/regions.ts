/**
 * Where the stack's optional resources exist. The EventBridge schema registry and event
 * archives are not offered in every commercial region (AWS's regional service list), GovCloud
 * takes no description on an event bus, and the China partition has its own service domains.
 * The list below is what the review of the template against AWS's documentation found; a
 * region missing from `KNOWN` is reported as unknown rather than guessed.
 */
export type OptionalResource = 'schema registry' | 'event archive' | 'event bus description';

const COMMERCIAL = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
  'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-west-1',
  'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1', 'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1',
  'sa-east-1',
];
const GOVCLOUD = ['us-gov-west-1', 'us-gov-east-1'];
const CHINA = ['cn-north-1', 'cn-northwest-1'];

/** Regions without the schema registry and archives (the stack skips both there). */
export const REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES: readonly string[] = [
  'ca-west-1', 'mx-central-1', 'il-central-1', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ap-south-2', 'ap-east-2',
];

export interface RegionSupport {
  known: boolean;
  partition: 'aws' | 'aws-us-gov' | 'aws-cn';
  /** Optional resources the stack leaves out in this region. */
  missing: OptionalResource[];
}

export function partitionOf(region: string): RegionSupport['partition'] {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

export function regionSupport(region: string): RegionSupport {
  const partition = partitionOf(region);
  const known = COMMERCIAL.includes(region) || GOVCLOUD.includes(region) || CHINA.includes(region);
  const missing: OptionalResource[] = [];
  if (REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES.includes(region)) missing.push('schema registry', 'event archive');
  if (partition === 'aws-us-gov') missing.push('event bus description');
  return { known, partition, missing };
}

export const SUPPORTED_REGIONS: readonly string[] = [...COMMERCIAL, ...GOVCLOUD, ...CHINA];
