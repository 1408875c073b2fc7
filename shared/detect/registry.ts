/**
 * Every detector, in the order they run (signatures first, so that an anomaly lists rule
 * findings before baseline ones when both fire on the same request).
 */
import { authorizationFailures, bulkSecretReads, massDeletes } from './detectors/rates';
import { concurrentSession } from './detectors/concurrent-session';
import { clusterWideListing } from './detectors/cluster-wide-listing';
import { credentialElsewhere } from './detectors/credential-elsewhere';
import { crossNamespace } from './detectors/cross-namespace';
import { firstSensitiveUse } from './detectors/first-use';
import { newNetwork } from './detectors/new-network';
import { newPrivilegedPrincipal } from './detectors/new-privileged-principal';
import { newUserAgent } from './detectors/new-user-agent';
import { unusualHour } from './detectors/unusual-hour';
import { adminToDefaultServiceAccount } from './signatures/admin-to-default-service-account';
import { admissionWebhookCreated } from './signatures/admission-webhook-created';
import { allowListPolicy } from './signatures/allow-list-policy';
import { antiForensics } from './signatures/anti-forensics';
import { anonymousAccess } from './signatures/anonymous-access';
import { anonymousAccessGranted } from './signatures/anonymous-access-granted';
import { awsAuthModified } from './signatures/aws-auth-modified';
import { clientCertificate } from './signatures/client-certificate';
import { clusterWideSecretList } from './signatures/cluster-wide-secret-list';
import { configmapCredentials } from './signatures/configmap-credentials';
import { execInKubeSystem } from './signatures/exec-in-kube-system';
import { impersonation } from './signatures/impersonation';
import { kubeletCommand } from './signatures/kubelet-command';
import { exposedService } from './signatures/exposed-service';
import { forwardedForMismatch } from './signatures/forwarded-for-mismatch';
import { maliciousIpCaller } from './signatures/malicious-ip-caller';
import { permissiveRole } from './signatures/permissive-role';
import { persistenceWorkload } from './signatures/persistence-workload';
import { privilegedRoleBinding } from './signatures/privileged-role-binding';
import { riskyPodSpec } from './signatures/risky-pod-spec';
import { systemNamespaceImage } from './signatures/system-namespace-image';
import { systemNamespaceServiceAccount } from './signatures/system-namespace-service-account';
import { systemPrincipalPublicIp } from './signatures/system-principal-public-ip';
import { systemRoleModified } from './signatures/system-role-modified';
import { tokenRequested } from './signatures/token-requested';
import { tokenTheftExec } from './signatures/token-theft-exec';
import { webhookExternalUrl } from './signatures/webhook-external-url';
import type { AuditDetector } from './types';

export const SIGNATURE_DETECTORS: AuditDetector[] = [
  anonymousAccess,
  maliciousIpCaller,
  forwardedForMismatch,
  systemPrincipalPublicIp,
  anonymousAccessGranted,
  adminToDefaultServiceAccount,
  privilegedRoleBinding,
  permissiveRole,
  systemRoleModified,
  riskyPodSpec,
  systemNamespaceImage,
  systemNamespaceServiceAccount,
  execInKubeSystem,
  kubeletCommand,
  tokenTheftExec,
  tokenRequested,
  clientCertificate,
  awsAuthModified,
  admissionWebhookCreated,
  webhookExternalUrl,
  clusterWideSecretList,
  persistenceWorkload,
  exposedService,
  configmapCredentials,
  allowListPolicy,
  impersonation,
  antiForensics,
];

export const BASELINE_DETECTORS: AuditDetector[] = [
  firstSensitiveUse,
  crossNamespace,
  clusterWideListing,
  bulkSecretReads,
  massDeletes,
  authorizationFailures,
  credentialElsewhere,
  newNetwork,
  newUserAgent,
  unusualHour,
  newPrivilegedPrincipal,
  concurrentSession,
];

export const ALL_DETECTORS: AuditDetector[] = [...SIGNATURE_DETECTORS, ...BASELINE_DETECTORS];
