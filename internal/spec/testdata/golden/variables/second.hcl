two_files = "from second.hcl"
style = {
  scheduler = "DPM++ 2M Karras"
}
