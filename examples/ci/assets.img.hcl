# The images of a project that runs imgform in CI; see README.md and
# .github/workflows/imgform.yml beside this file.

defaults {
  negative_prompt = "text, watermark, blurry"
}

image "og_card" {
  prompt = "abstract geometric shapes in indigo and gold, social media card background"
  output = "public/og-card.png"
}

image "empty_state" {
  prompt = "friendly line illustration of an empty mailbox, pastel colours, white background"
  output = "public/empty-state.png"
}
