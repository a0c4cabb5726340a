# The example request of the provider's model page, written as one image.
image "provider_example" {
  prompt              = "Thelema-themed, ethereal fantasy concept art of  Dystopian style Grim-noire, wide angle shot, (establishing shot:1.7), Perfect photograph, ((Hell hath no queen! But, o thou red mouthed curving In kisses that bring blood, shall I be alone? What of the accomplice of these deeds unswerving? Will not your dead hot kisses match mine own? As here your ardours brand me bone and marrow Biting like fire and poison in my veins, Shall you not there still ply your nameless harrow. Mingle a cup from those our common pains To intoxicate us with an extreme pleasure Keener than life, more dolorous than death Till these infernal blisses pass the measure Of heaven imagined by the tremulous breaths Of silly saints and silly sinners, swaying From scraps of blasphemy to scraps of praying?)), perfect composition, dynamic lighting, dramatic action, trending on artstation, sharp focus, studio photo, intricate details, highly detailed,  Bleak, post-apocalyptic, somber, dramatic, highly detailed, dramatic , Zeiss Master Prime Lenses, Panavision, Film Stock Footage, Kodak Eastman 100T 5247 Cinematic .magnificent, celestial, ethereal, painterly, epic, majestic, magical, fantasy art, cover art, dreamy, misc, . highly detailed"
  negative_prompt     = "((close up)),(octane render, render, drawing, bad photo, bad photography:1.3), (worst quality, low quality, blurry:1.2), (bad teeth, deformed teeth, deformed lips), (bad anatomy, bad proportions:1.1), (deformed iris, deformed pupils), (deformed eyes, bad eyes), (deformed face, ugly face, bad face), (deformed hands, bad hands, fused fingers), morbid, mutilated, mutation, disfigured"
  samples             = 1
  scheduler           = "DPM++ SDE"
  num_inference_steps = 7
  guidance_scale      = 1
  seed                = 1220429729
  img_width           = 1024
  img_height          = 1024
  output              = "provider_example.png"
}
