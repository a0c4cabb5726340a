brand  = "Acme Coffee"
season = "winter"
