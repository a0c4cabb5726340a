package model

// NewRealityLightning is NewReality Lightning SDXL (Segmind model
// "sdxl1.0-newreality-lightning"): its request schema as the provider's
// page documents it, in the page's order.
var NewRealityLightning = &Schema{
	ID:    "sdxl1.0-newreality-lightning",
	Title: "NewReality Lightning SDXL",
	// ~$0.006 per 1024×1024 call, ~2.93 s per image (the model page).
	PriceUSD:        0.006,
	ExpectedSeconds: 2.93,
	Params: []Param{
		{Name: "prompt", Kind: KindString, Required: true, Role: RolePrompt,
			Aliases:     []string{"positive", "positive_prompt", "text"},
			Description: "Prompt to render."},
		{Name: "negative_prompt", Kind: KindString, Default: String(""), Role: RoleNegativePrompt,
			Aliases:     []string{"negative", "neg_prompt", "negative_text", "negativeprompt"},
			Description: "What the image should not show. Empty means the server's own default (the parameter is not sent)."},
		{Name: "samples", Kind: KindInteger, Default: Int(1), Min: 1, Max: 4, Ranged: true, Role: RoleSamples,
			Aliases:     []string{"batch_size", "n_iter", "num_images", "num_outputs", "batch_count"},
			Description: "Number of images generated from one request."},
		{Name: "scheduler", Kind: KindString, Default: String("DPM++ SDE"), Allowed: schedulers, Confirmed: schedulers[:11], A1111: "Sampler",
			Aliases:     []string{"sampler", "sampler_name", "sampler_index"},
			Description: "Sampler (scheduler) used for denoising."},
		{Name: "num_inference_steps", Kind: KindInteger, Default: Int(7), Min: 1, Max: 100, Ranged: true, A1111: "Steps",
			Aliases:     []string{"steps", "num_steps", "inference_steps"},
			Description: "Number of denoising steps."},
		{Name: "guidance_scale", Kind: KindNumber, Default: Number(1.4), Min: 1, Max: 25, Ranged: true, A1111: "CFG scale",
			Aliases:     []string{"cfg", "cfg_scale", "guidance"},
			Description: "Scale for classifier-free guidance."},
		{Name: "seed", Kind: KindInteger, Default: Int(-1), Min: -1, Max: 999999999999999, Ranged: true, Role: RoleSeed, A1111: "Seed",
			Aliases:     []string{"noise_seed", "random_seed"},
			Description: "Seed for image generation; -1 asks the server for a random one."},
		{Name: "img_width", Kind: KindInteger, Default: Int(1024), AllowedInts: []int64{1024}, Role: RoleWidth,
			Aliases:     []string{"width", "image_width"},
			Description: "Image width in pixels; can only be 1024 for SDXL."},
		{Name: "img_height", Kind: KindInteger, Default: Int(1024), AllowedInts: []int64{1024}, Role: RoleHeight,
			Aliases:     []string{"height", "image_height"},
			Description: "Image height in pixels; can only be 1024 for SDXL."},
		{Name: "base64", Kind: KindBool, Default: Bool(false), Transport: true,
			Description: "Answer with base64 data instead of image bytes or URLs."},
	},
	// AUTOMATIC1111 writes steps before the sampler.
	A1111Order: []string{"num_inference_steps", "scheduler", "guidance_scale", "seed"},
}

// schedulers is the scheduler enum imgform accepts.
//
// The provider says there are 29 values but shows only 10 of them plus
// the default: the first eleven here. The names are AUTOMATIC1111 sampler
// names, and A1111 v1.6 has 30; exactly one of the 19 unconfirmed names is
// probably not accepted by the real service (Restart, PLMS and DPM
// adaptive are the likeliest), but we cannot tell which. We accept the
// fuller list of 30 so that no valid value is ever refused here; a value
// the service refuses comes back as a 400 for that one image.
var schedulers = []string{
	"DPM++ SDE", "DPM++ SDE Karras", "DPM++ 2M Karras", "DPM++ 2M SDE Karras",
	"DPM++ 2M SDE Heun Karras", "DPM++ 3M SDE Karras", "LMS Karras", "DPM2 Karras",
	"DPM2 a Karras", "DPM++ 2S a Karras", "DPM++ 2M SDE Exponential",
	"Euler a", "Euler", "LMS", "Heun", "DPM2", "DPM2 a", "DPM++ 2S a", "DPM++ 2M",
	"DPM++ 2M SDE", "DPM++ 2M SDE Heun", "DPM++ 2M SDE Heun Exponential", "DPM++ 3M SDE",
	"DPM++ 3M SDE Exponential", "DPM fast", "DPM adaptive", "Restart", "DDIM", "PLMS", "UniPC",
}

// Default is the model a configuration uses.
var Default = NewRealityLightning

func init() { Register(NewRealityLightning) }
