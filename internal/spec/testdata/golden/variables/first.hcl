env_file     = "from first.hcl"
env_file_cli = "from first.hcl"
two_files    = "from first.hcl"
