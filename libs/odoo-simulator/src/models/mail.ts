import { formatDate, type Env, type ModelDef } from '../model';
import { pythonError } from '../odoo-exceptions';
import * as orm from '../orm';

/** The activity types a fresh database has; the xml id is how `activity_schedule` names one. */
export const ACTIVITY_TYPES = [{ xmlid: 'mail.mail_activity_data_todo', name: 'To-Do' }] as const;

export const mailActivityType: ModelDef = {
  name: 'mail.activity.type',
  description: 'Activity Type',
  order: 'sequence, id',
  fields: {
    name: { type: 'char', string: 'Name', required: true },
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
  },
  displayName: (_env, row) => String(row.name),
};

/** mail.activity: a to-do for a person on any record (res_model + res_id), shown in the chatter. */
export const mailActivity: ModelDef = {
  name: 'mail.activity',
  description: 'Activity',
  order: 'date_deadline asc, id asc',
  fields: {
    res_model: { type: 'char', string: 'Related Document Model', required: true },
    res_id: { type: 'integer', string: 'Related Document ID', required: true },
    activity_type_id: { type: 'many2one', string: 'Activity Type', relation: 'mail.activity.type' },
    summary: { type: 'char', string: 'Summary' },
    note: { type: 'text', string: 'Note' },
    date_deadline: { type: 'date', string: 'Due Date', required: true, default: (env: Env) => formatDate(env.now()) },
    user_id: { type: 'many2one', string: 'Assigned to', relation: 'res.users', default: () => 2 },
  },
  displayName: (_env, row) => String(row.summary || 'Activity'),
};

/**
 * mail.activity.mixin's `activity_schedule(act_type_xmlid='', date_deadline=None, summary='',
 * note='', **act_values)`, public, so callable over the external API: one activity per record,
 * the type found by xml id (env.ref: an unknown one is a ValueError), returned as the new records.
 */
export function activityScheduleMethod(model: string) {
  return {
    api: 'records' as const,
    params: ['act_type_xmlid', 'date_deadline', 'summary', 'note'],
    run(env: Env, ids: number[], kwargs: Record<string, unknown>) {
      orm.existing(env, model, ids);
      const xmlid = (kwargs.act_type_xmlid as string | undefined) || 'mail.mail_activity_data_todo';
      const index = ACTIVITY_TYPES.findIndex((t) => t.xmlid === xmlid);
      if (index < 0) throw pythonError('ValueError', `External ID not found in the system: ${xmlid}`);
      const typeId = [...env.db.table('mail.activity.type').values()].find((t) => t.name === ACTIVITY_TYPES[index]!.name)?.id ?? false;
      return orm.create(
        env,
        'mail.activity',
        ids.map((id) => ({
          res_model: model,
          res_id: id,
          activity_type_id: typeId,
          summary: (kwargs.summary as string | undefined) ?? '',
          note: (kwargs.note as string | undefined) ?? '',
          ...(kwargs.date_deadline ? { date_deadline: kwargs.date_deadline } : {}),
        })),
      );
    },
  };
}
