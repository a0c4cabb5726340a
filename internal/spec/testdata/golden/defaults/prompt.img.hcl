# A second file: the defaults block applies to the images of every file.
image "other_file" {
  prompt = "a lighthouse"
  output = "other.jpeg"
}
