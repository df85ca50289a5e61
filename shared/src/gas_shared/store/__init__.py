"""GAS's state and how it is read and written: the DynamoDB tables (jobs, users) as typed records, the result
objects in S3 and the reference bundles. Stores never decide about messages; they report, callers act."""
