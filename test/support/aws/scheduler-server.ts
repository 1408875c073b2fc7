/**
 * A local EventBridge Scheduler endpoint (REST-JSON, as @aws-sdk/client-scheduler sends it):
 *   POST   /schedules/{Name}                 CreateSchedule (409 ConflictException if it exists)
 *   GET    /schedules/{Name}?groupName=G     GetSchedule
 *   DELETE /schedules/{Name}?groupName=G     DeleteSchedule (404 ResourceNotFoundException)
 * Create checks what the real service checks for the fields boundwatch sends: a one-time
 * `at(yyyy-mm-ddThh:mm:ss)` expression, FlexibleTimeWindow, a target with Arn and RoleArn.
 */
import { EndpointError, json, restJsonFault, startAwsEndpoint, type AwsEndpoint } from './http';

export interface StoredSchedule {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  ActionAfterCompletion?: string;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  Target: { Arn: string; RoleArn: string; Input?: string; DeadLetterConfig?: { Arn?: string }; RetryPolicy?: Record<string, number> };
  Description?: string;
  State?: string;
}

export interface LocalScheduler extends AwsEndpoint {
  schedules: Map<string, StoredSchedule>;
  /** `group/name` keys. */
  get(group: string, name: string): StoredSchedule | undefined;
}

const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;

export async function startLocalScheduler(): Promise<LocalScheduler> {
  const schedules = new Map<string, StoredSchedule>();
  const endpoint = await startAwsEndpoint(({ method, path, query, body }) => {
    const m = /^\/schedules\/([^/]+)$/.exec(path);
    const operation = !m ? 'unknown' : method === 'POST' ? 'CreateSchedule' : method === 'GET' ? 'GetSchedule' : method === 'DELETE' ? 'DeleteSchedule' : 'unknown';
    return {
      operation,
      reply: () => {
        if (!m || operation === 'unknown') throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: 'no such route' });
        const name = decodeURIComponent(m[1]!);
        if (operation === 'CreateSchedule') {
          const req = JSON.parse(body || '{}') as Omit<StoredSchedule, 'Name'>;
          const group = req.GroupName ?? 'default';
          const problems: string[] = [];
          if (!/^[0-9a-zA-Z._-]{1,64}$/.test(name)) problems.push('Name');
          if (!req.ScheduleExpression || !(AT.test(req.ScheduleExpression) || /^(rate|cron)\(/.test(req.ScheduleExpression))) problems.push('ScheduleExpression');
          if (!req.FlexibleTimeWindow?.Mode) problems.push('FlexibleTimeWindow');
          if (!req.Target?.Arn || !req.Target?.RoleArn) problems.push('Target');
          if (problems.length) throw new EndpointError({ status: 400, code: 'ValidationException', message: `invalid ${problems.join(', ')}` });
          const key = `${group}/${name}`;
          if (schedules.has(key)) throw new EndpointError({ status: 409, code: 'ConflictException', message: `Schedule ${name} already exists.` });
          schedules.set(key, { ...req, Name: name, GroupName: group });
          return json(200, { ScheduleArn: `arn:aws:scheduler:us-east-1:111122223333:schedule/${group}/${name}` });
        }
        const key = `${query.get('groupName') ?? 'default'}/${name}`;
        const s = schedules.get(key);
        if (!s) throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: `Schedule ${name} does not exist.` });
        if (operation === 'GetSchedule') return json(200, { ...s, Arn: `arn:aws:scheduler:us-east-1:111122223333:schedule/${key}` });
        schedules.delete(key);
        return json(200, {});
      },
    };
  }, restJsonFault('Message'));
  return { ...endpoint, schedules, get: (group, name) => schedules.get(`${group}/${name}`) };
}
