/**
 * Drizzle relations for `db.query.<table>.findMany({ with: … })`. They describe the foreign keys
 * already in the tables (they add no constraint) and cover the reads the API does with nesting:
 * a campaign with its templates and numbers, a job with its contact, a prospect with what the skip
 * trace found, an import with its rows.
 */
import { relations } from 'drizzle-orm';
import { campaignSendingNumbers, campaignTemplates, campaigns, messageTemplates } from './campaigns';
import { contacts } from './contacts';
import { importBatches, importRows } from './imports';
import { personaEmails, personaPhones, rawProspects, skipTraceRequests, socialProfiles } from './prospects';
import { sendJobs } from './send-jobs';
import { sendingNumbers } from './sending-numbers';
import { tenants } from './tenants';
import { users } from './users';

export const tenantsRelations = relations(tenants, ({ many }) => ({ users: many(users) }));

export const usersRelations = relations(users, ({ one }) => ({
  tenant: one(tenants, { fields: [users.tenantId], references: [tenants.id] }),
}));

export const campaignsRelations = relations(campaigns, ({ many }) => ({
  templates: many(campaignTemplates),
  sendingNumbers: many(campaignSendingNumbers),
}));

export const campaignTemplatesRelations = relations(campaignTemplates, ({ one }) => ({
  campaign: one(campaigns, { fields: [campaignTemplates.campaignId], references: [campaigns.id] }),
  template: one(messageTemplates, { fields: [campaignTemplates.templateId], references: [messageTemplates.id] }),
}));

export const campaignSendingNumbersRelations = relations(campaignSendingNumbers, ({ one }) => ({
  campaign: one(campaigns, { fields: [campaignSendingNumbers.campaignId], references: [campaigns.id] }),
  sendingNumber: one(sendingNumbers, { fields: [campaignSendingNumbers.sendingNumberId], references: [sendingNumbers.id] }),
}));

export const sendJobsRelations = relations(sendJobs, ({ one }) => ({
  contact: one(contacts, { fields: [sendJobs.contactId], references: [contacts.id] }),
  campaign: one(campaigns, { fields: [sendJobs.campaignId], references: [campaigns.id] }),
  template: one(messageTemplates, { fields: [sendJobs.templateId], references: [messageTemplates.id] }),
  sendingNumber: one(sendingNumbers, { fields: [sendJobs.sendingNumberId], references: [sendingNumbers.id] }),
}));

export const contactsRelations = relations(contacts, ({ many }) => ({ sendJobs: many(sendJobs) }));

export const importBatchesRelations = relations(importBatches, ({ many }) => ({ rows: many(importRows) }));

export const importRowsRelations = relations(importRows, ({ one }) => ({
  batch: one(importBatches, { fields: [importRows.batchId], references: [importBatches.id] }),
}));

export const rawProspectsRelations = relations(rawProspects, ({ many }) => ({
  phones: many(personaPhones),
  emails: many(personaEmails),
  socialProfiles: many(socialProfiles),
  skipTraceRequests: many(skipTraceRequests),
}));

export const personaPhonesRelations = relations(personaPhones, ({ one }) => ({
  prospect: one(rawProspects, { fields: [personaPhones.prospectId], references: [rawProspects.id] }),
}));

export const personaEmailsRelations = relations(personaEmails, ({ one }) => ({
  prospect: one(rawProspects, { fields: [personaEmails.prospectId], references: [rawProspects.id] }),
}));

export const socialProfilesRelations = relations(socialProfiles, ({ one }) => ({
  prospect: one(rawProspects, { fields: [socialProfiles.prospectId], references: [rawProspects.id] }),
}));

export const skipTraceRequestsRelations = relations(skipTraceRequests, ({ one }) => ({
  prospect: one(rawProspects, { fields: [skipTraceRequests.prospectId], references: [rawProspects.id] }),
}));
