brand  = "Acme Coffee (staging)"
season = "autumn"
