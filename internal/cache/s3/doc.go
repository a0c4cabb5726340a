// Package s3 keeps the content cache in an S3 bucket, shared by a team's
// checkouts and CI runners, so that an image one of them paid for is
// never paid for again by another.
//
// An entry of input hash H lives under PREFIX/HH/H/: each image in an
// object named by its own SHA-256 (content-addressed, so two runners
// uploading never write different bytes to one key), uploaded create-only
// (If-None-Match: *), and the metadata, meta.json, last: an entry whose
// metadata is missing is incomplete and never served (DVC #4343). Images
// are checked against their SHA-256 on download. Replacing an entry's
// metadata (a forced replacement) is conditional on the version read
// (If-Match), so a concurrent writer is never overwritten blindly.
//
// Credentials come from the environment as every S3 tool's do
// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a shared credentials
// file and profile, instance roles), never from the configuration.
//
// Beside the entries, it keeps the plain objects of published review
// pages (PutObject, ListObjects, RemoveObject under PREFIX/reviews/, never
// a cache key) and signs URLs that read an object with no credentials
// (PresignGet: SigV4 query signing, at most 7 days): the review.Bucket
// port.
//
// It implements cache.Store and passes cache/cachetest. It imports cache
// and model.
package s3
