package main

const topSummary = `imgform is Terraform for generated images. Declare images in *.img.hcl
files (prompt, seed, parameters, output path); "imgform plan" shows what is
missing, changed, moved, drifted or removed, and "imgform apply" generates
exactly that through the NewReality Lightning SDXL API, and nothing else.`

const exitCodesHelp = `Exit codes:
  0    success
  1    error
  2    changes present (plan --detailed-exitcode only)
  3    files need formatting (fmt --check only)
  130  interrupted`

const environmentHelp = `Environment:
  SEGMIND_API_KEY      the API key (never written to state, plans or logs)
  SEGMIND_BASE_URL     the API origin (default https://api.segmind.com)
  IMGFORM_CACHE_DIR    the content cache (default .imgform/cache)
  IMGFORM_VAR_<NAME>   a value for variable NAME
  IMGFORM_LOG          log to stderr: error, warn, info, debug or trace (API
                       calls, retries, the lock, the cache, checkpoints;
                       secrets masked); TF_LOG is read when it is unset
  IMGFORM_LOG_PATH     append the log to this file instead of stderr
  NO_COLOR             never colour the output`
