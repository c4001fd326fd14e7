/** An error answered with Confluent's HTTP status and error code. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export const subjectNotFound = (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`);
export const versionNotFound = (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`);
export const schemaNotFound = (id?: number | string) =>
  new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`);
export const subjectSoftDeleted = (subject: string) =>
  new RegistryError(404, 40404, `Subject '${subject}' is already soft-deleted; delete it with permanent=true to remove it for good`);
export const subjectNotSoftDeleted = (subject: string) =>
  new RegistryError(404, 40405, `Subject '${subject}' must be soft-deleted before it can be deleted permanently`);
export const versionSoftDeleted = (subject: string, version: number) =>
  new RegistryError(404, 40406, `Version ${version} of subject '${subject}' is already soft-deleted; use permanent=true to remove it for good`);
export const versionNotSoftDeleted = (subject: string, version: number) =>
  new RegistryError(404, 40407, `Version ${version} of subject '${subject}' must be soft-deleted before it can be deleted permanently`);
export const subjectCompatibilityNotConfigured = (subject: string) =>
  new RegistryError(404, 40408, `Subject '${subject}' has no subject-level compatibility configured`);
export const incompatibleSchema = (message: string) => new RegistryError(409, 40901, message);
export const invalidSchema = (message: string) => new RegistryError(422, 42201, message);
export const invalidVersion = (version: string) =>
  new RegistryError(
    422,
    42202,
    `'${version}' is not a valid version: use an integer between 1 and 2147483647, -1 or "latest"`,
  );
export const invalidCompatibilityLevel = (level: unknown) =>
  new RegistryError(
    422,
    42203,
    `Invalid compatibility level ${JSON.stringify(level ?? null)}; valid levels are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL and FULL_TRANSITIVE`,
  );
export const invalidSubject = (subject: string) => new RegistryError(422, 42208, `Invalid subject name ${JSON.stringify(subject)}`);
export const storeError = () => new RegistryError(500, 50001, 'Error in the backend data store');
