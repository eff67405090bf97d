// The demo merchant: calls Moneywall's init with the demo token and embeds the frame.
(function () {
  var pay = document.getElementById('pay');
  pay.addEventListener('click', function () {
    var amount = document.getElementById('amount').value;
    var days = Number(document.getElementById('depart').value || 90);
    var departure = new Date(Date.now() + days * 86400000);
    var iso = function (d) { return d.toISOString().slice(0, 19) + '+00:00'; };
    var order = 'demo-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 7);
    var base = window.location.origin;
    var body = {
      phone: '79031232299',
      email: 'test@test.com',
      amount: Number(amount),
      success_callback_url: base + '/moneywall-demo/callbacks/success',
      failure_callback_url: base + '/moneywall-demo/callbacks/failure',
      redirect_url: base + '/moneywall-demo/order/' + order,
      order_id: order,
      web_mode: 'iframe',
      original_provider_order_id: 'AB123-45',
      expires_at: iso(new Date(Date.now() + 3600000)),
      product_type: 'airline_tickets',
      product: {
        cabin_type: 'economy',
        validating_airline: 'SU',
        segments: [{ flights: [{
          aircraft: '737', departure_dt: iso(departure), arrival_dt: iso(new Date(departure.getTime() + 3 * 3600000)),
          book_code: 'Y', orig: 'SVO', dest: 'VIE', flight_number: '2352', marketing_ac: 'SU', operating_ac: 'SU'
        }] }],
        passengers: [{ first_name: 'Ivan', last_name: 'Ivanov', document_type: 'international_passport',
          document_number: '723902034', birth_date: '1987-07-18' }]
      },
      local_passport: {
        birth_date: '1987-07-18', issue_date: '2007-08-01', number: '4444333222', last_name: 'Иванов',
        first_name: 'Иван', middle_name: 'Александрович', sex: 'male', issuing_authority: 'ОВД Района Калитники',
        authority_code: '663402'
      },
      address: { city: 'Москва', street: 'ул. Китобойцев', building: '3', housing: '1', apartment: '616', postcode: '111123' }
    };
    document.getElementById('error').textContent = '';
    fetch('/api/partners/payments/init', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'demo-merchant-token' },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (!res.ok) { document.getElementById('error').textContent = res.j.message || 'Ошибка'; return; }
        document.getElementById('checkout').hidden = false;
        document.getElementById('frame').src = res.j.frame_url;
      })
      .catch(function (e) { document.getElementById('error').textContent = String(e); });
  });
})();
