# The images of a team that keeps its state in PostgreSQL and its content
# cache in S3, and runs imgform in CI; see README.md and
# .github/workflows/imgform.yml beside this file.
imgform {
  # The connection string is the PG_CONN_STR secret, never written here.
  backend "pg" {
    schema_name = "imgform"
  }
  # Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; for
  # Cloudflare R2, MinIO or versitygw, AWS_ENDPOINT_URL_S3 too.
  # publish = true: imgform preview puts its review page in this bucket,
  # under assets/reviews/, and the pull-request comment links it
  # (presigned for 7 days; see the README's "Published review pages").
  cache "s3" {
    bucket  = "acme-imgform-cache"
    prefix  = "assets/"
    publish = true
  }
  rate     = "50/min" # the account's rate limit (Segmind Pro)
  max_cost = 5.00     # no run pays more than this
}

defaults {
  negative_prompt = "text, watermark, blurry"
}

image "hero" {
  for_each = toset(["home", "pricing", "blog"])
  prompt   = "wide editorial illustration for the ${each.key} page, indigo and gold, soft light"
  output   = "public/hero/${each.key}.png"
}

image "empty_state" {
  prompt = "friendly line illustration of an empty mailbox, pastel colours, white background"
  output = "public/empty-state.png"
}
