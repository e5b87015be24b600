namespace Identity.Grains.Patients;
