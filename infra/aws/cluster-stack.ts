/**
 * One nested stack per cluster beside the shared core (key, table, bus, alerts, dashboard):
 * a cluster costs 80-105 resources (ingest-runtime and its inputs included), so one stack
 * would hit CloudFormation's 500-resource limit at 5-6 clusters. The cluster's pipeline and
 * its alarms live here; the core passes the key, table, bus and topic in as parameters, and
 * reads back what the dashboard and the bus policy name (function names, role ARNs, alarm
 * ARNs) as outputs, well inside the 200 of each.
 *
 * The pipeline keeps the construct id it had before nested stacks (`Cluster-<name>`), so the
 * logical ids of its resources are unchanged.
 */
import { NestedStack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ClusterPipeline, type ClusterPipelineProps } from './constructs/cluster-pipeline';

/** The stack holds the cluster's pipeline alone: it takes exactly what the pipeline takes. */
export type ClusterStackProps = ClusterPipelineProps;

/** Construct id of a cluster's nested stack and of its pipeline inside it. */
export const clusterScopeId = (name: string) => `Cluster-${name}`;

export class ClusterStack extends NestedStack {
  readonly pipeline: ClusterPipeline;
  /** Where the operations construct puts this cluster's alarms. */
  readonly alarmScope: Construct;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, { description: `boundwatch: EKS cluster ${props.cluster.name}` });
    this.pipeline = new ClusterPipeline(this, clusterScopeId(props.cluster.name), props);
    this.alarmScope = new Construct(this, 'Alarms');
  }
}
