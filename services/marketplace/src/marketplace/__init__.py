"""marketplace: regional goods from local producers and shops, the delivery-service directory, and the merchant API."""
